"""The shop's own date and number formats, over Django's for the same languages (FORMAT_MODULE_PATH).

Only what differs is set here; everything else comes from Django's formats.
"""
