# See the issue for this module.
