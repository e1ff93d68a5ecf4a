# Shared helpers of the rule files: paths into the snapshot and checks that need the package.
import os
import sys

# Jobs run scripts in fresh interpreters (and, with --sdm conda, in other environments): make the package
# importable there from this checkout without relying on an installation.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (workflow.basedir, os.environ.get("PYTHONPATH", "")) if p
)
sys.path.insert(0, workflow.basedir)

from afgehaakt import catalogue
from afgehaakt.elections import check_outsider_parties
from afgehaakt.provenance import config_hash, source_digest

# Checks that JSON schema cannot express, run before any job so that a bad value costs no computation.
check_outsider_parties(config["parties"]["outsider"])

ELECTIONS = config["elections"]
BOUNDARY_YEAR = config["boundary_year"]
INDICATORS = list(catalogue.INDICATORS)
CONFIG_SHA256 = config_hash(config)
# Every rule takes this as a parameter, so that a change in the package reruns the jobs built on it.
CODE_SHA256 = source_digest(os.path.join(workflow.basedir, "afgehaakt"))


wildcard_constraints:
    election="|".join(ELECTIONS),
    indicator="|".join(INDICATORS),


def snapshot(relative_path):
    """A file of the committed snapshot, under the configured data directory."""
    return os.path.join(config["data_dir"], relative_path)


def election_file(wildcards):
    return snapshot(catalogue.election(wildcards.election).file)
