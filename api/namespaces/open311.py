"""Open311 GeoReport v2 at /open311/v2 (wiki.open311.org/GeoReport_v2), for the province's portal and
civic-tech clients: feedback forms as services, feedback as service requests (services/feedback/open311.py).

Every path answers JSON with the suffix `.json` and XML with `.xml` or none (the spec's default); Swagger
documents the suffixed paths, with the JSON shapes the XML mirrors. Errors are the spec's list of
`{code, description}`, with 400 for bad input, 403 for a missing or wrong `api_key`, 404 for an unknown
service or request. The caller is the `api_key` parameter when given, else the Authorization header.
"""

import functools
import re

from flask import Response, json, request
from flask_restx import Namespace, Resource
from lxml import etree
from marshmallow import ValidationError

from api.auth import current_principal, use_api_key
from api.database import session
from api.errors import problem_for
from api.http import languages, text_errors
from api.limits import FEEDBACK_PER_IP, limiter
from api.openapi import operation, query_params
from schemas.open311 import (
    ErrorSchema,
    NewRequestSchema,
    RequestCreatedSchema,
    RequestsQuerySchema,
    ServiceDefinitionSchema,
    ServiceRequestSchema,
    ServiceSchema,
    ServicesQuerySchema,
)
from services.core import areas
from services.core.errors import NotFound
from services.core.text import UNSTORABLE_MESSAGE
from services.feedback import open311

PREFIX = "/open311/v2"
ns = Namespace("open311", description="Open311 GeoReport v2: feedback forms as services, feedback requests")
ns.mount_path = PREFIX

XML = "application/xml"
FORMATS = ["application/json", XML]
FORMAT = {"format": {"in": "path", "enum": ["json", "xml"], "description": "json, or xml (also: no suffix)"}}
ERRORS = {
    400: "Bad input: one error per bad parameter",
    403: "A wrong api_key; one missing or without the scope where the call needs it",
    404: "No such service, request (or one the caller may not read) or jurisdiction",
    429: "Too many requests",
}
SERVICE_REQUEST, REQUEST_CREATED = ServiceRequestSchema(), RequestCreatedSchema()
# A façade answers 400 where the rest of the API distinguishes 409, 413, 415 and 422, and 403 for 401.
_STATUSES = {401: 403, 409: 400, 413: 400, 415: 400, 422: 400}
# XML element of each item of a list, by the list's element (the spec's names).
_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
}
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,40})\](\[\])?$")


# ---------------------------------------------------------------- JSON or XML

# Every call: the spec's api_key (not a bearer token), JSON or XML, and its list of errors.
spec_operation = functools.partial(
    operation, ns, auth="none", produces=FORMATS, errors=ErrorSchema, problems=ERRORS
)


def wants_xml() -> bool:
    return not request.path.endswith(".json")


def answer(data, root: str, status: int = 200):
    """`data` (dumped JSON shapes) as JSON, or as XML under `root`."""
    if not wants_xml():
        return data, status
    element = _element(root, data)
    body = etree.tostring(element, xml_declaration=True, encoding="utf-8")
    return Response(body, status=status, mimetype=XML)


def _element(tag: str, value) -> etree._Element:
    element = etree.Element(tag)
    if isinstance(value, list):
        for item in value:
            element.append(_element(_ITEMS.get(tag, "item"), item))
    elif isinstance(value, dict):
        for key, item in value.items():
            element.append(_element(key, item))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _xml_text(str(value))
    return element


def _xml_text(text: str) -> str:
    """XML 1.0 has no place for most control characters (nor lone surrogates): drop them."""
    return re.sub(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", "", text)


def error_response(error: Exception) -> Response:
    """Any error under /open311 as the spec's list, from the same mapping as every problem."""
    problem = json.loads(problem_for(error).get_data())
    status = _STATUSES.get(problem["status"], problem["status"])
    fields = problem.get("errors")
    if problem["status"] == 401:  # no api_key (nor a token): the call needs one
        described = ["api_key: send an API key with the scope this call needs."]
    elif isinstance(fields, dict) and fields:
        described = [f"{name}: {' '.join(_messages(found))}" for name, found in fields.items()]
    else:
        described = [problem.get("detail") or problem["title"]]
    errors = [{"code": status, "description": text} for text in described]
    if wants_xml():
        body = etree.tostring(_element("errors", errors), xml_declaration=True, encoding="utf-8")
        return Response(body, status=status, mimetype=XML)
    return Response(json.dumps(errors), status=status, mimetype="application/json")


def _messages(found) -> list[str]:
    if isinstance(found, dict):
        return [f"{key}: {message}" for key, inner in found.items() for message in _messages(inner)]
    if isinstance(found, list):
        return [message for item in found for message in _messages(item)]
    return [str(found)]


# ---------------------------------------------------------------- parameters


def keyed(fn):
    """Read the call's parameters as text we can store, and take `api_key` as the caller."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        errors = {
            key: [UNSTORABLE_MESSAGE] for key, values in request.values.lists() if text_errors([key, *values])
        }
        if errors:
            raise ValidationError(errors)
        key = request.values.get("api_key")
        if key:
            use_api_key(key)
        return fn(*args, **kwargs)

    return wrapper


def loaded(schema, source) -> dict:
    data = schema.load(source.to_dict())
    if data.get("jurisdiction_id") is not None and not areas.is_province(data["jurisdiction_id"]):
        raise NotFound(f"No jurisdiction {data['jurisdiction_id']}.", code="unknown_jurisdiction")
    return data


def attributes() -> dict:
    """`attribute[code]=value` and, for a multivaluelist, `attribute[code][]=value` repeated."""
    found = {}
    for key in request.form:
        match = _ATTRIBUTE.match(key)
        if match:
            values = request.form.getlist(key)
            found[match.group(1)] = values if match.group(2) else values[-1]
    return found


def lang() -> str:
    return open311.language(languages())


def form_params(schema) -> dict:
    """A form body's parameters for Swagger (`in: formData`)."""
    return {name: {**param, "in": "formData"} for name, param in query_params(schema).items()}


def suffixed(path: str):
    """Register a resource at `path.json` and `path.xml` (documented), and at `path` (XML)."""

    def register(cls):
        ns.doc(params=FORMAT)(cls)
        ns.route(f"{path}.<any(json, xml):format>")(cls)
        ns.route(path, doc=False)(type(f"{cls.__name__}Xml", (cls,), {}))
        return cls

    return register


class Open311Resource(Resource):
    method_decorators = [keyed]


# ---------------------------------------------------------------- services


@suffixed("/services")
class Services(Open311Resource):
    @spec_operation(
        action="forms.read",
        query=ServicesQuerySchema,
        returns=ServiceSchema,
        many=True,
    )
    def get(self, format="xml"):
        """Every active feedback form as a service (names in the Accept-Language: vi, en)."""
        data = loaded(ServicesQuerySchema(), request.args)
        found = open311.services(session(), lang(), data.get("jurisdiction_id"))
        return answer(ServiceSchema(many=True).dump(found), "services")


@suffixed("/services/<string:service_code>")
class ServiceDefinition(Open311Resource):
    @spec_operation(
        action="forms.read",
        query=ServicesQuerySchema,
        returns=ServiceDefinitionSchema,
    )
    def get(self, service_code: str, format="xml"):
        """A service's attributes: the form's fields (in the Accept-Language: vi, en)."""
        loaded(ServicesQuerySchema(), request.args)
        found = open311.definition(session(), service_code, lang())
        return answer(ServiceDefinitionSchema().dump(found), "service_definition")


# ---------------------------------------------------------------- requests


@suffixed("/requests")
class ServiceRequests(Open311Resource):
    @spec_operation(
        action="feedback.board",
        query=RequestsQuerySchema,
        returns=ServiceRequestSchema,
        many=True,
    )
    def get(self, format="xml"):
        """Requests newest first, received within 90 days (the last 90 by default); anyone sees those
        with a published answer, a key with `feedback:read` (or staff) its department's."""
        data = loaded(RequestsQuerySchema(), request.args)
        principal = current_principal()
        found = open311.requests(
            session(),
            principal,
            province_code=data.pop("jurisdiction_id", None),
            **{k: v for k, v in data.items() if k != "api_key"},
        )
        language = lang()
        dumped = [SERVICE_REQUEST.dump(open311.as_request(item, principal, language)) for item in found]
        return answer(dumped, "service_requests")

    @spec_operation(
        action="feedback.submit",
        returns=RequestCreatedSchema,
        many=True,
        status=201,
    )
    @ns.doc(params=form_params(NewRequestSchema))
    @limiter.limit(FEEDBACK_PER_IP)
    def post(self, format="xml"):
        """File a request: routed, given a deadline and audited like the app's feedback. The citizen's
        `phone` is required (the department answers by it)."""
        data = loaded(NewRequestSchema(), request.form)
        feedback = open311.submit(session(), current_principal(), data, attributes())
        created = {
            "service_request_id": feedback.tracking_code,
            "service_notice": open311.notice(feedback, lang()),
            "account_id": None,
        }
        return answer([REQUEST_CREATED.dump(created)], "service_requests", 201)


@suffixed("/requests/<string:service_request_id>")
class ServiceRequest(Open311Resource):
    @spec_operation(
        action="feedback.board",
        query=ServicesQuerySchema,
        returns=ServiceRequestSchema,
        many=True,
    )
    def get(self, service_request_id: str, format="xml"):
        """One request by its id (the tracking code), as a list of one like the spec's."""
        loaded(ServicesQuerySchema(), request.args)
        principal = current_principal()
        found = open311.request(session(), principal, service_request_id)
        shown = SERVICE_REQUEST.dump(open311.as_request(found, principal, lang()))
        return answer([shown], "service_requests")
