"""Builders of realistic workbooks for the tests, the sample bids and the benchmark.

``bidgen`` writes response workbooks (a :class:`~clc_tender.testing.bidgen.BidSpec` that
passes every gate, changed one value at a time by a test), ``officers`` the officers' own
workbooks (scores with the panel's declarations, decisions, requests, exclusions), ``names``
the made-up organisations, people and places they use. Nothing here is used by a command.
"""
