"""Tourism pages: ``h5`` (the worker), ``merchant`` (the merchant's workbench) and ``console``
(union and platform staff)."""
