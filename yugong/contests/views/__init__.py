"""Contest pages: the worker H5 (h5.py) and the staff console (console.py: knowledge contests and
question banks; skills.py: skills competitions and marking). Thin: parse, call a service or a
selector, render."""
