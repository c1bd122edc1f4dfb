"""The distribution's version, in the foundation so core (the User-Agent) reads it without climbing to the
package root; the root re-exports it and the build reads it from here (``[tool.hatch.version]``)."""

__version__ = "0.2.0"
