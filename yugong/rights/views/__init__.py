"""Pages: the worker H5 (h5.py), the staff console (console.py) and the policy library (library.py)."""
