"""Building blocks of the hostile-input walk (``test_hostile_urls`` and ``test_hostile_forms``).

- ``profiles``: the Hypothesis profiles, bounded for CI or ``HYPOTHESIS_PROFILE=deep``;
- ``values``: hostile strings, parameter names, query strings, cookies, headers and methods;
- ``bodies``: hostile files and raw request bodies;
- ``routes``: every URL pattern of the project, and the admin's pages;
- ``html_forms``: the forms of a page, parsed from its HTML;
- ``clients``: test clients signed in as each role;
- ``checks``: sending one request, judging its answer and the data it left, collecting failures.
"""
