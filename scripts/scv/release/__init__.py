"""What reaches the client's sites: publish, promote, rollback and drift, through the playbooks."""

from scv.release.drift import run_drift
from scv.release.playbook import stream
from scv.release.promote import promote as promote_release
from scv.release.promote import rollback as rollback_release
from scv.release.publish import run_publish

__all__ = ["promote_release", "rollback_release", "run_drift", "run_publish", "stream"]
