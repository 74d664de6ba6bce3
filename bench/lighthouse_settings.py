"""Settings of the Lighthouse server: yugong's own (production: DEBUG off), plus uploaded files
under /media/, which a deployment's front web server serves (pictures on the measured pages)."""

from yugong.settings import *  # noqa: F403

ROOT_URLCONF = "bench.lighthouse_urls"
