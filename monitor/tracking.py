"""Putting deadlines on tracked things: messages (reply / disclosure limits) and crisis events.

These functions write rows; the time rules themselves live in `monitor.deadlines`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from monitor.calendar import WorkCalendar
from monitor.config import Config, ReplyRule
from monitor.db.models import CrisisEvent, DeadlineStage, Message, Milestone
from monitor.deadlines import (
    ACTIVE_STATES,
    EVENT_LEVELS,
    MILESTONES,
    MessageState,
    clock_stages,
    crisis_deadlines,
    message_state,
    reply_stages,
    working_day_deadline,
)
from monitor.errors import MonitorError, NotFound
from monitor.hints import command
from monitor.inputs import check_text
from monitor.timeutil import format_local

# a person's clock may run a little ahead of ours; beyond this a time "in the future" is a typo
CLOCK_SKEW = timedelta(minutes=10)


def rule_for(message: Message, config: Config) -> ReplyRule:
    """Disclosure requests count by `[rules.disclosure]`; messages by their source's rule
    (`rule = "hotline"` → `[rules.hotline]`, else `[rules.reply]`)."""
    if message.kind == "disclosure":
        return config.settings.rules.disclosure
    return config.reply_rule(message.source)


def schedule_message(
    session: Session,
    message: Message,
    config: Config,
    calendar: WorkCalendar,
    now: datetime,
    *,
    new: bool = False,
) -> None:
    """Compute the message's due date, deadline, warning stages and state at `now`.

    Call after creating a message (it must have `posted_at`) or when the calendar changed;
    the stages are rewritten, keeping the ones already fired so no alert repeats. `new`: the
    message was just inserted, so it has no stages to look up (thousands at once, an import)."""
    rule = rule_for(message, config)
    due = working_day_deadline(
        message.posted_at, rule.working_days, calendar, rule.receipt_on_rest_day
    )
    due_date, provisional = due.due_date, due.provisional
    if message.extension_days:
        due_date, more = calendar.add_working_days(
            due_date, message.extension_days, provisional=True
        )
        provisional = provisional or more
    stages = reply_stages(due_date, rule.thresholds, calendar)
    message.due_date = due_date
    message.deadline = stages[-1].at
    message.provisional = provisional
    message.first_warning_at = stages[0].at if len(stages) > 1 else None
    if message.state != MessageState.WITHDRAWN:
        _set_state(
            message,
            message_state(message.deadline, message.first_warning_at, now, message.replied_at),
            now,
        )
    if message.id is None:
        session.add(message)
        session.flush()
    _write_stages(session, "message_id", message.id, [(s.name, s.at) for s in stages], new)


def _write_stages(
    session: Session,
    owner: str,
    owner_id: int,
    stages: list[tuple[str, datetime]],
    new: bool = False,
) -> None:
    column = getattr(DeadlineStage, owner)
    existing = (
        {}
        if new
        else {
            row.stage: row
            for row in session.scalars(select(DeadlineStage).where(column == owner_id))
        }
    )
    wanted = {name for name, _ in stages}
    for name, row in existing.items():
        if name not in wanted and not row.fired:
            session.delete(row)
    for name, at in stages:
        current = existing.get(name)
        if current is None:
            session.add(DeadlineStage(**{owner: owner_id}, stage=name, at=at, fired=False))
        elif not current.fired:
            current.at = at


def _set_state(message: Message, state: MessageState, now: datetime) -> None:
    if message.state != state:
        message.state = state
        message.state_changed_at = now


def mark_replied(message: Message, replied_at: datetime, approximate: bool, now: datetime) -> None:
    """A reply was found: replied (on time) or replied_late, by the reply's own time."""
    message.replied_at = replied_at
    message.replied_at_approx = approximate
    _set_state(
        message, message_state(message.deadline, message.first_warning_at, now, replied_at), now
    )


def mark_withdrawn(message: Message, now: datetime) -> None:
    """The message vanished from the portal (on positive evidence, never one flaky page)."""
    if message.state in ACTIVE_STATES:
        _set_state(message, MessageState.WITHDRAWN, now)


def reactivate(
    session: Session, message: Message, config: Config, calendar: WorkCalendar, now: datetime
) -> None:
    """A withdrawn message is on the portal again: track it again with its original deadline
    (it is computed from `posted_at`, which has not changed). The sweep marks every due stage
    fired, alerted or not, so stages that came due while it was withdrawn are armed again: the
    latest of them is alerted at the next sweep (the outbox key keeps one that did go out once
    from going out twice)."""
    withdrawn_at = message.state_changed_at
    message.state = MessageState.OPEN.value
    message.state_changed_at = now
    schedule_message(session, message, config, calendar, now)
    if withdrawn_at is not None and message.id is not None:
        session.execute(
            update(DeadlineStage)
            .where(DeadlineStage.message_id == message.id, DeadlineStage.at >= withdrawn_at)
            .values(fired=False)
        )


def declare_event(
    session: Session, title: str, level: str, started_at: datetime, config: Config, now: datetime
) -> CrisisEvent:
    """Start a crisis's 5 h / 24 h clocks (docs/time-rules.md). A person declares; nothing automatic."""
    if level not in EVENT_LEVELS:
        raise MonitorError(f"事件级别 {level!r} 无效，应为 {'、'.join(EVENT_LEVELS)} 之一")
    if not check_text(title, "title", "事件标题"):
        raise MonitorError("事件需要标题")
    if started_at > now + CLOCK_SKEW:
        raise MonitorError(
            f"--started-at {format_local(started_at)} 在未来（应为事件发生或被发现的时间）"
        )
    rule = config.settings.rules.crisis
    event = CrisisEvent(title=title.strip(), level=level, started_at=started_at, declared_at=now)
    session.add(event)
    deadlines = crisis_deadlines(started_at, rule.publish_hours, rule.press_conference_hours)
    for name in MILESTONES:
        event.milestones.append(Milestone(name=name, deadline=deadlines[name]))
    session.flush()
    for milestone in event.milestones:
        stages = clock_stages(milestone.deadline, rule.thresholds)
        # stages already past when the event is declared are not alerted one by one: the
        # latest reached stage fires (the sweep skips earlier ones), as for messages
        _write_stages(session, "milestone_id", milestone.id, [(s.name, s.at) for s in stages])
    return event


def get_event(session: Session, event_id: int) -> CrisisEvent:
    event = session.get(CrisisEvent, event_id)
    if event is None:
        raise NotFound(f"没有编号为 {event_id} 的突发事件（用 {command('event list')} 查看）")
    return event


def mark_milestone_done(
    session: Session, event_id: int, name: str, at: datetime, now: datetime, correct: bool = False
) -> Milestone:
    """A person marks a milestone done. A second marking is refused unless it is an explicit
    correction, so a slip of the keyboard cannot silently rewrite the record."""
    if name not in MILESTONES:
        raise MonitorError(f"时限任务 {name!r} 无效，应为 {'、'.join(MILESTONES)} 之一")
    event = get_event(session, event_id)
    milestone = next(m for m in event.milestones if m.name == name)
    if at < event.started_at:
        raise MonitorError(
            f"--at {format_local(at)} 早于事件开始时间（{format_local(event.started_at)}）"
        )
    if at > now + CLOCK_SKEW:
        raise MonitorError(f"--at {format_local(at)} 在未来")
    if milestone.done_at is not None and not correct:
        raise MonitorError(
            f"事件 {event_id} 的 {name} 已于 {format_local(milestone.done_at)} "
            "标记完成；如需更正请加 --correct"
        )
    milestone.done_at = at
    return milestone


def reschedule_all(session: Session, config: Config, calendar: WorkCalendar, now: datetime) -> int:
    """Recompute every active message's deadline (after holidays.toml gained a year)."""
    count = 0
    for message in session.scalars(select(Message).where(Message.state.in_(list(ACTIVE_STATES)))):
        schedule_message(session, message, config, calendar, now)
        count += 1
    return count


def drop_stages(session: Session, message_id: int) -> None:
    session.execute(delete(DeadlineStage).where(DeadlineStage.message_id == message_id))
