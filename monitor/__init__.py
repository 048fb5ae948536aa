"""billwatch: legislation monitoring and alerting for health-IT advocates."""

__version__ = "0.1.0"
