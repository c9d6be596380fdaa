"""renkou (人口): population development planning, monitoring and decision support."""

__version__ = "0.1.0"
