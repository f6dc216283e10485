"""Who owns a path, by .github/CODEOWNERS, with GitHub's rules.

GitHub's rules: lines are gitignore-style patterns followed by owners; the *last* matching line
wins (so `*  @ops` first and `/clients/demo/  @demo-reviewers` later gives clients/demo/ to the
demo reviewers only); a pattern with a slash at the start or in the middle is anchored at the
repository root, one without matches at any depth; a trailing slash matches a folder's contents;
`*` stays within one path segment, `**` crosses them; a line with a pattern and no owners leaves
the path unowned; a pattern whose last segment has a wildcard (`docs/*`) matches files in that
folder but not deeper. Negation (`!`) and character ranges (`[ ]`) are not supported by GitHub.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scv.core.errors import ScvError


@dataclass(frozen=True)
class Rule:
    pattern: str
    owners: tuple[str, ...]
    line: int
    regex: re.Pattern[str]


def parse(text: str, where: str = ".github/CODEOWNERS") -> list[Rule]:
    rules = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()  # comments, whole-line or trailing
        if not line:
            continue
        pattern, *owners = line.split()
        if pattern.startswith("!") or "[" in pattern:
            raise ScvError(f"{where}:{number}: {pattern!r}: GitHub does not support ! or [ ] in CODEOWNERS")
        for owner in owners:
            if not re.fullmatch(r"@[\w.-]+(/[\w.-]+)?|[^@\s]+@[^@\s]+", owner):
                raise ScvError(f"{where}:{number}: {owner!r} is not @user, @org/team or an email address")
        rules.append(Rule(pattern, tuple(owners), number, _regex(pattern)))
    return rules


def owners(rules: list[Rule], path: str) -> tuple[str, ...]:
    """The owners of a repository path (no leading slash): the last rule that matches decides."""
    path = path.lstrip("/")
    for rule in reversed(rules):
        if rule.regex.match(path):
            return rule.owners
    return ()


def _regex(pattern: str) -> re.Pattern[str]:
    folder = pattern.endswith("/")
    body = pattern.strip("/")
    anchored = pattern.startswith("/") or "/" in body
    out = ""
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif body.startswith("/**", i) and i + 3 == len(body):
            out += "/.*"
            i += 3
        elif body.startswith("**", i):
            out += ".*"
            i += 2
        elif body[i] == "*":
            out += "[^/]*"
            i += 1
        elif body[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(body[i])
            i += 1
    prefix = "^" if anchored else "^(?:.*/)?"
    # A pattern naming a folder owns everything under it (`/docs/`, `**/logs`); one whose last
    # segment has a wildcard names files only (`docs/*` is not docs/build/x.md, GitHub's example).
    if folder:
        suffix = "/.*$"
    elif "*" in body.rsplit("/", 1)[-1]:
        suffix = "$"
    else:
        suffix = "(?:/.*)?$"
    if body in ("*", "**") or body == "":
        return re.compile("^.*$")
    return re.compile(prefix + out + suffix)
