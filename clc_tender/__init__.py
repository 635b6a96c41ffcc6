"""clc-tender: evaluates bids for the Community Life Choices open framework."""

__version__ = "0.1.0"
