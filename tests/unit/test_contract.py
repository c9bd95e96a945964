"""The contract checker itself: what it lets through, what it names, and where."""

from __future__ import annotations

from emulator.contract import TOLERATED, contract

MESSAGE = {
    "id": "1",
    "channel_id": "2",
    "type": 0,
    "content": "hi",
    "author": {
        "id": "3",
        "username": "moot",
        "avatar": None,
        "discriminator": "0",
        "public_flags": 0,
        "flags": 0,
        "global_name": None,
        "primary_guild": None,
    },
    "mentions": [],
    "mention_roles": [],
    "attachments": [],
    "embeds": [],
    "timestamp": "2026-11-02T12:00:00+00:00",
    "edited_timestamp": None,
    "flags": 0,
    "components": [],
    "pinned": False,
    "mention_everyone": False,
    "tts": False,
}


def test_a_complete_message_passes_and_a_missing_field_is_named() -> None:
    spec = contract()
    assert spec.check_object("MessageResponse", MESSAGE, "message") == []
    broken = {k: v for k, v in MESSAGE.items() if k != "pinned"}
    [violation] = spec.check_object("MessageResponse", broken, "message")
    assert violation.where == "$" and "'pinned' is a required property" in violation.problem


def test_the_error_named_is_in_the_branch_of_the_components_type() -> None:
    """A button without its id is reported as that, not as "2 is not one of [10]" from
    another kind of component the list could hold."""
    button = {"type": 2, "style": 1, "label": "Vote", "custom_id": "v"}
    message = MESSAGE | {"components": [{"type": 1, "id": 1, "components": [button]}]}
    [violation] = contract().check_object("MessageResponse", message, "message")
    assert violation.where == "$.components[0].components[0]"
    assert "'id' is a required property" in violation.problem


def test_integer_snowflakes_are_tolerated_in_requests_only() -> None:
    assert [d.name for d in TOLERATED] == ["snowflake sent as an integer"]
    spec = contract()
    body = {"content": "x", "message_reference": {"message_id": 5}}
    assert spec.check_request("POST", "/channels/1/messages", {}, body) == []
    answer = MESSAGE | {"channel_id": 2}
    [violation] = spec.check_response("POST", "/channels/1/messages", 200, answer)
    assert violation.where == "$.channel_id"


def test_query_strings_follow_discords_boolean_and_integer_forms() -> None:
    spec = contract()
    callback = "/interactions/1/token/callback"
    pong = {"type": 1}
    for value in ("true", "True", "1", "false", "False", "0"):
        assert spec.check_request("POST", callback, {"with_response": value}, pong) == []
    [violation] = spec.check_request("POST", callback, {"with_response": "yes"}, pong)
    assert violation.where == "?with_response"
    assert spec.check_request("GET", "/channels/1/messages", {"limit": "50"}, None) == []


def test_a_status_the_operation_does_not_document_is_a_violation() -> None:
    spec = contract()
    thread = "/channels/1/messages/2/threads"
    [violation] = spec.check_response("POST", thread, 200, {})
    assert "status 200" in violation.problem and "201" in violation.problem
    assert spec.check_response("DELETE", "/channels/1/messages/2", 204, None) == []


def test_gateway_events_are_checked_in_the_parts_the_spec_describes() -> None:
    spec = contract()
    assert spec.check_event("MESSAGE_CREATE", MESSAGE | {"guild_id": "4"}) == []
    member = {"user": MESSAGE["author"], "roles": []}
    [violation, *_] = spec.check_event("GUILD_CREATE", {"members": [member]})
    assert violation.what == "GUILD_CREATE members[0]"
    assert spec.check_event("TYPING_START", {"anything": 1}) == []


def test_path_parameters_are_checked_against_their_schemas() -> None:
    spec = contract()
    assert spec.check_request("GET", "/channels/123/messages", {}, None) == []
    [violation] = spec.check_request("GET", "/channels/general/messages", {}, None)
    assert violation.where == "{channel_id}" and "'general'" in violation.problem
    # A literal segment is its own route: /messages/@original is not a bad message id.
    assert spec.check_request("GET", "/webhooks/1/token/messages/@original", {}, None) == []
