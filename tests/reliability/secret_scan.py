# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find secrets where they must not be.

The rule: a secret (a credential, or a token value an emulator issued) may appear

* in a recorded task result only as the whole string under the documented ``value`` key of a
  result of cf_token or cf_token_roll (``results[n].value`` for a loop item);
* in stdout only as ``"value": "<secret>"``, which is how -vvv prints that key;
* in a file only when the file holds exactly one issued value and is mode 0600 (value_path);

and nowhere else: not in stderr, not in any other key (msg, diff, warnings, token...), not in
any other file, not in the emulator's request log.
"""

import json
import os
import stat

VALUE_KEY_PREFIX = '"value": "'


class Finding:
    def __init__(self, where, secret_label, detail):
        self.where = where
        self.secret_label = secret_label
        self.detail = detail

    def __str__(self):
        return "%s: %s (%s)" % (self.where, self.secret_label, self.detail)


class Scanner:
    def __init__(self, secrets, issued, allowed_actions):
        """``secrets``: {value: label}; ``issued``: the values that a module may return."""
        self.secrets = dict((value, label) for value, label in secrets.items() if value)
        self.issued = set(issued)
        self.allowed_actions = tuple(allowed_actions)
        self.findings = []
        self.stats = {"texts": 0, "text_bytes": 0, "files": 0, "file_bytes": 0, "results": 0,
                      "allowed_in_results": 0, "allowed_in_stdout": 0, "value_files": 0}

    def _hits(self, text):
        for value, label in self.secrets.items():
            start = text.find(value)
            while start != -1:
                yield value, label, start
                start = text.find(value, start + 1)

    # ------------------------------------------------------------------ text
    def stdout(self, where, text):
        self.stats["texts"] += 1
        self.stats["text_bytes"] += len(text.encode("utf-8", "replace"))
        allowed = {}
        for value, label, start in self._hits(text):
            before = text[max(0, start - len(VALUE_KEY_PREFIX)):start]
            after = text[start + len(value):start + len(value) + 1]
            if value in self.issued and before == VALUE_KEY_PREFIX and after == '"':
                allowed[value] = allowed.get(value, 0) + 1
                self.stats["allowed_in_stdout"] += 1
                continue
            context = text[max(0, start - 80):start].replace("\n", "\\n")
            self.findings.append(Finding(where, label, "after ...%s" % context[-80:]))
        return allowed

    def nowhere(self, where, text):
        self.stats["texts"] += 1
        self.stats["text_bytes"] += len(text.encode("utf-8", "replace"))
        for _value, label, start in self._hits(text):
            self.findings.append(Finding(where, label, "at offset %d" % start))

    # --------------------------------------------------------------- results
    def results(self, where, records):
        """Recorded task results; returns {secret: allowed occurrences}."""
        allowed = {}
        for record in records:
            self.stats["results"] += 1
            action = record.get("action") or ""
            for path, text in _strings(record.get("result")):
                for value, label, _start in self._hits(text):
                    ok = (action in self.allowed_actions and value in self.issued and text == value
                          and (path == ("value",) or (len(path) == 3 and path[0] == "results" and path[2] == "value")))
                    if ok:
                        allowed[value] = allowed.get(value, 0) + 1
                        self.stats["allowed_in_results"] += 1
                    else:
                        place = "/".join(str(part) for part in path)
                        self.findings.append(Finding("%s: task %r (%s) at %s" % (where, record.get("task"), action, place),
                                                     label, "in a result"))
        return allowed

    # ----------------------------------------------------------------- files
    def tree(self, root, skip=()):
        for directory, _dirs, files in os.walk(root):
            for name in files:
                path = os.path.join(directory, name)
                if os.path.relpath(path, root) in skip or os.path.islink(path):
                    continue
                self.file(path)

    def file(self, path):
        with open(path, "rb") as handle:
            data = handle.read()
        self.stats["files"] += 1
        self.stats["file_bytes"] += len(data)
        text = data.decode("utf-8", "replace")
        hits = list(self._hits(text))
        if not hits:
            return
        value = hits[0][0]
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if len(hits) == 1 and text == value and value in self.issued and mode == 0o600:
            self.stats["value_files"] += 1
            return
        for _value, label, start in hits:
            self.findings.append(Finding(path, label, "offset %d, file mode %o, %d bytes" % (start, mode, len(data))))


def _strings(node, path=()):
    """(path, string) for every string in a JSON-like structure, dict keys included."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path + (key,), str(key)
            yield from _strings(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, path + (index,))
    elif isinstance(node, str):
        yield path, node
    elif node is not None and not isinstance(node, (bool, int, float)):
        yield path, json.dumps(node, default=str)
