"""The exercises' pytest configuration: the grading plugin, and float64 on."""

import jax

# Normal modes need float64; switched on before any array is created.
jax.config.update("jax_enable_x64", True)

pytest_plugins = ["jaxnm_course.grading.plugin"]
