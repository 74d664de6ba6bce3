"""gunicorn reads this file from the working directory (the repository root) by itself.

gunicorn answers request lines longer than ``limit_request_line`` (default 4,094 bytes) with its
own HTML 400 before Django sees them. The app bounds query strings itself
(``MAX_QUERY_STRING_BYTES``, 4,096: a JSON 400 under /api/), so gunicorn is set to its maximum
(8,190 bytes) and a too-long query gets the app's answer rather than gunicorn's page.
"""

limit_request_line = 8190
