"""HTTP endpoints of notifications and their history."""

from __future__ import annotations

from operator import methodcaller

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import created, no_content, ok, paged
from simulator.services.notifications.inputs import NewNotification, NotificationChanges

_to_api = methodcaller("to_api")


@operation("listNotifications")
async def list_notifications(call: Call) -> Response:
    found = call.sim.notifications.list_notifications(call.tenant_id)
    return paged(found, call.page, call.page_size, _to_api)


@operation("createNotification")
async def create_notification(call: Call) -> Response:
    new = NewNotification.from_api(call.body)
    return created(call.sim.notifications.create_notification(call.tenant_id, new).to_api())


@operation("getNotification")
async def get_notification(call: Call) -> Response:
    return ok(call.sim.notifications.get_notification(call.tenant_id, call.path["notificationId"]).to_api())


@operation("replaceNotification")
async def replace_notification(call: Call) -> Response:
    backend = call.sim.notifications
    changes = NotificationChanges.from_api(call.body)
    return ok(backend.replace_notification(call.tenant_id, call.path["notificationId"], changes).to_api())


@operation("updateNotification")
async def update_notification(call: Call) -> Response:
    backend = call.sim.notifications
    changes = NotificationChanges.from_api(call.body)
    return ok(backend.update_notification(call.tenant_id, call.path["notificationId"], changes).to_api())


@operation("deleteNotification")
async def delete_notification(call: Call) -> Response:
    call.sim.notifications.delete_notification(call.tenant_id, call.path["notificationId"])
    return no_content()


@operation("listNotificationHistory")
async def list_notification_history(call: Call) -> Response:
    found = call.sim.notifications.list_notification_history(call.tenant_id, call.query.get("notificationId"))
    return paged(found, call.page, call.page_size, _to_api)
