"""Who the annotators are: Label Studio user id → e-mail, and the stable pseudonym a release shows.

The workspace keeps `labelstudio/annotators.json` (readable by its owner only): the e-mail and
numeric id of every Label Studio user seen by a pull, and a random key made once per workspace.
A release names an annotator `annotator-` + the first 10 hex digits of HMAC-SHA256(key, e-mail):
the same person gets the same pseudonym in every release of the workspace, and without the key
the pseudonym does not reveal the e-mail (a plain hash of an e-mail can be guessed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from builder.workspace.layout import Workspace
from builder.workspace.parts import atomic_write_json

PSEUDONYM_PREFIX = "annotator-"


def annotators_file(workspace: Workspace) -> Path:
    """Where the workspace keeps its annotators (e-mail, Label Studio id) and the pseudonym key."""
    return workspace.labelstudio_dir / "annotators.json"


@dataclass
class AnnotatorBook:
    """Label Studio user ids and e-mails of the workspace's annotators, and the pseudonym key."""

    key: str
    emails: dict[str, str] = field(default_factory=dict)  # str(user id) → e-mail

    @classmethod
    def of(cls, workspace: Workspace) -> AnnotatorBook:
        """The workspace's book (a new key if it has none yet; nothing is written until `save`)."""
        path = annotators_file(workspace)
        if not path.exists():
            return cls(key=secrets.token_hex(32))
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(key=str(data["key"]), emails={str(u["id"]): str(u["email"]) for u in data.get("annotators", [])})

    def save(self, workspace: Workspace) -> None:
        """Write the book atomically, readable by the owner only (it holds e-mails and the key)."""
        path = annotators_file(workspace)
        users = [{"id": int(i) if i.isdigit() else i, "email": e} for i, e in sorted(self.emails.items())]
        atomic_write_json(path, {"key": self.key, "annotators": users})
        os.chmod(path, 0o600)

    def learn(self, users: Mapping[str, str]) -> None:
        """Remember user id → e-mail pairs (a later e-mail for an id replaces the earlier one)."""
        self.emails.update({str(i): e for i, e in users.items() if e})

    def email(self, who: str) -> str:
        """The e-mail of a Label Studio user id (or the value itself if it is an e-mail or unknown)."""
        return self.emails.get(str(who), str(who))

    def resolve(self, who: str) -> str:
        """An `--adjudicator` value (e-mail or numeric id) as the e-mail the annotations carry."""
        who = who.strip()
        return self.email(who) if who.isdigit() else who

    def pseudonym(self, who: str) -> str:
        """The stable pseudonym of an annotator (by e-mail, or id if the e-mail is unknown)."""
        digest = hmac.new(bytes.fromhex(self.key), self.email(who).lower().encode("utf-8"), hashlib.sha256)
        return PSEUDONYM_PREFIX + digest.hexdigest()[:10]
