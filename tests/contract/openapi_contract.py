# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check API requests and responses against Cloudflare's official OpenAPI description.

``Contract().check_request(method, path, query, body)`` and
``Contract().check_response(method, path, status, body)`` return a list of
problems (empty when the exchange conforms). ``path`` is relative to
/client/v4, ``query`` maps names to string values, bodies are decoded JSON.
Schema validation is done by openapi-schema-validator (OpenAPI 3.0 dialect);
the few documented allowances live in allowances.json.
"""

import copy
import json
import os
import re

from openapi_schema_validator import OAS30ReadValidator, OAS30Validator, OAS30WriteValidator, oas30_format_checker

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.join(HERE, "openapi", "tokens.openapi.json")
REFERENCE = os.path.join(HERE, "openapi", "reference-c92b9b0f-fragments.json")
ALLOWANCES = os.path.join(HERE, "allowances.json")
FAILURE_SCHEMA = "#/components/schemas/iam_api-response-common-failure"
METHODS = ("get", "put", "post", "delete", "patch")


def load_json(path):
    with open(path) as handle:
        return json.load(handle)


def _describe(errors, limit=3):
    errors = sorted(errors, key=lambda error: list(error.absolute_path))
    text = ["%s: %s" % ("/".join(str(p) for p in error.absolute_path) or "(root)", error.message[:300]) for error in errors[:limit]]
    if len(errors) > limit:
        text.append("... %d more" % (len(errors) - limit))
    return "; ".join(text)


class Operation:
    def __init__(self, template, method, spec_operation, path_parameters):
        self.template = template
        self.method = method
        self.key = "%s %s" % (method.upper(), template)
        self.operation = spec_operation
        self.parameters = list(path_parameters) + list(spec_operation.get("parameters") or [])


class Contract:
    """The vendored spec, its path templates and validators; one instance can check many exchanges."""

    def __init__(self, spec_path=SPEC, allowances_path=ALLOWANCES):
        self.spec = load_json(spec_path)
        self.allowances = load_json(allowances_path)
        self._routes = []
        for template, item in self.spec["paths"].items():
            names = re.findall(r"{(\w+)}", template)
            pattern = re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")
            # Literal segments ("verify", "permission_groups") must win over {token_id}.
            self._routes.append((len(names), template, pattern, item))
        self._routes.sort(key=lambda route: (route[0], route[1]))
        components = self.spec["components"]
        writable = copy.deepcopy(components)
        for dotted in self.allowances["writable_read_only"]:
            schema, prop = dotted.split(".", 1)
            writable["schemas"][schema]["properties"][prop].pop("readOnly", None)
        _mark_read_only_refs(writable)
        self._components = {"read": components, "write": writable}

    # --------------------------------------------------------------- lookup
    def operation(self, method, path):
        """(Operation, path parameter values) for a request, or (None, reason)."""
        for _count, template, pattern, item in self._routes:
            match = pattern.match(path)
            if not match:
                continue
            spec_operation = item.get(method.lower())
            if spec_operation is None:
                return None, "%s is not an operation of %s" % (method, template)
            return Operation(template, method.lower(), spec_operation, item.get("parameters") or []), match.groupdict()
        return None, "no path template matches %s" % path

    def _resolve(self, node):
        if isinstance(node, dict) and "$ref" in node:
            target = self.spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return self._resolve(target)
        return node

    def _validate(self, instance, schema, cls, components="read"):
        # The schema is wrapped in a root that carries the components, so "#/components/..." resolves.
        root = {"components": self._components[components], "allOf": [schema]}
        validator = cls(root, format_checker=oas30_format_checker)
        return list(validator.iter_errors(instance))

    # ------------------------------------------------------------- requests
    def other_endpoint(self, path):
        """Paths outside the token spec that the collection also calls (allowances.json, other_endpoints)."""
        return path.split("?", 1)[0] in self.allowances.get("other_endpoints", {})

    def check_request(self, method, path, query, body):
        if self.other_endpoint(path):
            return []
        operation, found = self.operation(method, path)
        if operation is None:
            return [found]
        if isinstance(body, dict) and method.upper() == "PUT":
            # A removed date is sent as null (allowances.json, null_clears); the rest of the body is checked.
            body = dict((k, v) for k, v in body.items() if not (v is None and k in self.allowances.get("null_clears", {}).get("PUT", [])))
        problems = []
        declared = {}
        for parameter in operation.parameters:
            parameter = self._resolve(parameter)
            declared[(parameter["in"], parameter["name"])] = parameter
        for name, value in found.items():
            parameter = declared.get(("path", name))
            if parameter is None:
                problems.append("%s: path parameter %s is not declared" % (operation.key, name))
                continue
            errors = self._validate(value, parameter.get("schema") or {}, OAS30Validator)
            if errors:
                problems.append("%s: path parameter %s=%r: %s" % (operation.key, name, value, _describe(errors)))
        allowed = dict(((("query", name), dict(spec, name=name, **{"in": "query"}))
                        for name, spec in self.allowances["query_parameters"].get(operation.key, {}).items()))
        allowed.update(declared)
        for name, text in sorted((query or {}).items()):
            parameter = allowed.get(("query", name))
            if parameter is None:
                problems.append("%s: query parameter %s is not in the spec" % (operation.key, name))
                continue
            schema = self._resolve(parameter.get("schema") or {})
            try:
                value = _coerce(text, schema)
            except ValueError as error:
                problems.append("%s: query parameter %s=%r: %s" % (operation.key, name, text, error))
                continue
            errors = self._validate(value, schema, OAS30Validator)
            if errors:
                problems.append("%s: query parameter %s=%r: %s" % (operation.key, name, text, _describe(errors)))
        for (where, name), parameter in declared.items():
            if where == "query" and parameter.get("required") and name not in (query or {}):
                problems.append("%s: required query parameter %s is missing" % (operation.key, name))
        problems.extend(self._check_request_body(operation, body))
        return problems

    def _check_request_body(self, operation, body):
        request_body = self._resolve(operation.operation.get("requestBody")) if operation.operation.get("requestBody") else None
        if body is None:
            if request_body and request_body.get("required") and operation.key not in self.allowances["bodiless_requests"]:
                return ["%s: the spec requires a request body" % operation.key]
            return []
        if request_body is None:
            return ["%s: the spec defines no request body, but one was sent" % operation.key]
        media = (request_body.get("content") or {}).get("application/json")
        if media is None:
            return ["%s: the request body is not one the spec accepts (application/json)" % operation.key]
        if not media.get("schema"):
            return []
        errors = self._validate(body, media["schema"], OAS30WriteValidator, components="write")
        return ["%s: request body: %s" % (operation.key, _describe(errors))] if errors else []

    # ------------------------------------------------------------ responses
    def response_schema(self, operation, status):
        """The schema a response with ``status`` must match, or None when the spec has none.

        4XX answers are checked against the failure envelope alone: the spec's 4XX schema is
        allOf(success envelope, failure envelope), which demand success true and false at once.
        """
        responses = operation.operation.get("responses") or {}
        if str(status) in responses:
            key = str(status)
        elif 400 <= status < 500 and "4XX" in responses:
            return {"$ref": FAILURE_SCHEMA}
        elif "%dXX" % (status // 100) in responses:
            key = "%dXX" % (status // 100)
        else:
            return None
        media = (self._resolve(responses[key]).get("content") or {}).get("application/json") or {}
        return media.get("schema")

    def check_response(self, method, path, status, body):
        if self.other_endpoint(path):
            return []
        operation, found = self.operation(method, path)
        if operation is None:
            return [found]
        if status is None:
            return ["%s: no answer (connection dropped)" % operation.key]
        schema = self.response_schema(operation, status)
        if schema is None:
            return ["%s: HTTP %s is not a response the spec describes" % (operation.key, status)]
        if body is None:
            return ["%s: HTTP %s answer is not JSON" % (operation.key, status)]
        errors = self._validate(body, schema, OAS30ReadValidator)
        return ["%s: HTTP %s response: %s" % (operation.key, status, _describe(errors))] if errors else []


def _mark_read_only_refs(components):
    """Copy ``readOnly`` next to each property ``$ref`` whose target is read-only.

    OpenAPI 3.0 exempts read-only properties from ``required`` in requests, but the
    validator only sees a ``readOnly`` written on the property itself, not one behind a
    ``$ref`` (policies[].id, the token id). The copy sits beside the ``$ref``, where it is
    not a validation keyword, so only the ``required`` exemption changes.
    """
    schemas = components["schemas"]

    def visit(node):
        if isinstance(node, dict):
            for prop in (node.get("properties") or {}).values():
                if isinstance(prop, dict) and "$ref" in prop:
                    target = schemas.get(prop["$ref"].rsplit("/", 1)[-1], {})
                    if target.get("readOnly"):
                        prop["readOnly"] = True
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schemas)


def _coerce(text, schema):
    """A query string value as the type its schema declares (query values arrive as text)."""
    kind = schema.get("type")
    if kind in ("number", "integer"):
        try:
            number = float(text)
        except (TypeError, ValueError):
            raise ValueError("not a number") from None
        if kind == "integer" or number.is_integer():
            return int(number) if number.is_integer() else number
        return number
    if kind == "boolean":
        if text in ("true", "false"):
            return text == "true"
        raise ValueError("not true or false")
    return text
