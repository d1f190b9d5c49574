"""An example third-party evidence source: support conversations from a CRM's HTTP API.

Read ``README.md`` next to this file: it walks through writing, registering and testing a
source like this one.
"""
