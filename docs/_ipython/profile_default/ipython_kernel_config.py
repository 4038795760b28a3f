# IPython kernel settings for the chapters executed by the Sphinx build (docs/conf.py points
# IPYTHONDIR here): matplotlib figures as SVG only, sharp at any zoom.
c = get_config()  # noqa: F821  (injected by IPython)
c.InlineBackend.figure_formats = {"svg"}
c.HistoryManager.enabled = False  # no history.sqlite in the source tree
