"""`opinion-monitor demo`: the main job offline, in one command, in under two minutes.

It starts the bundled sample portal (百姓畅言 and 部门信箱 in the real shapes, a news feed), a
fake WeCom robot and a real SMTP server (aiosmtpd) on 127.0.0.1, writes a demo config into a
working folder, and runs the daemon's own jobs — the same `build_jobs` definitions and
triggers as `run` — on a simulated clock: each job fires at its trigger's next fire time and
the App clock jumps there (nothing sleeps). A scenario adds messages, replies and news to the
portal and declares a crisis at fixed simulated times, from Sunday 2026-09-20 (a make-up
working day) through the Mid-Autumn and National Day holidays to Saturday 2026-10-10 (another
make-up working day). What happens is printed in Chinese as it happens."""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import func, select

from alerts.channels.base import Timing
from alerts.dispatch import channels_for
from alerts.labels import stage_label
from alerts.outbox import AlertKind, kind_label
from monitor import seeding
from monitor.app import App
from monitor.config import load_config
from monitor.consultation.deadlines import MIN_DAYS_BASIS
from monitor.consultation.register import add_consultation
from monitor.daemon import CRAWL_WORKERS, DaemonJobs, build_jobs, setup_logging
from monitor.db.models import (
    Alert,
    Consultation,
    DisclosureRequest,
    Message,
    Milestone,
    NewsItem,
)
from monitor.deadlines import EVENT_LEVEL_ZH, MILESTONE_ZH
from monitor.demo.sampleportal import SamplePortal, luan_profile_text
from monitor.demo.sinks import FakeWecom, SmtpSink
from monitor.disclosure.register import Context, add_request
from monitor.errors import MonitorError
from monitor.names import source_title
from monitor.sweep.consultation import short_alerts
from monitor.timeutil import SHANGHAI, format_local, local_date, to_utc
from monitor.tracking import declare_event, mark_milestone_done

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.daemon import JobSpec

MARKER = ".opinion-monitor-demo"
WATCH_KINDS = (AlertKind.WATCH_HIT, AlertKind.POSSIBLE_CRISIS)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DEMO_JOB_KINDS = ("crawl", "sweep", "dispatch", "summary", "calendar")  # all but the heartbeat
START = datetime(2026, 9, 24, 7, 0, tzinfo=SHANGHAI)
END = datetime(2026, 10, 10, 18, 0, tzinfo=SHANGHAI)
WEEKDAYS = "一二三四五六日"


def column(label: str) -> str:
    """A narration line's label padded to four full-width characters, so stories line up."""
    return label.ljust(4, "　") + " "


def at(text: str) -> datetime:
    """A scenario time, Asia/Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# ---------------------------------------------------------------------------------------
# The demo config (config/demo.toml is the same file with placeholder addresses)
# ---------------------------------------------------------------------------------------

CONFIG_TEMPLATE = """\
# opinion-monitor demo configuration, written by `opinion-monitor demo` into its folder.
# The portal, the WeCom robot and the SMTP server are local stand-ins on 127.0.0.1 that only
# live while the demo runs; everything else is an ordinary deployment config.

[monitor]
timezone = "Asia/Shanghai"
database = "sqlite:///monitor.db"          # relative to this file's folder

[rules.reply]
working_days = 5                           # reply within 5 working days (次日起算)
warn_before = ["2wd", "1wd"]
receipt_on_rest_day = "as-is"

[rules.crisis]
publish_hours = 5
press_conference_hours = 24
warn_before = ["2h", "1h", "30m"]

[[sources]]
name = "demo-bxcy"
profile = "sites/sample.toml"              # the sample portal, written beside this file
section = "bxcy"                           # 百姓畅言
every = "{bxcy_every}"
department_default = "办公室"

[[sources]]
name = "demo-bmxx"
profile = "sites/sample.toml"
section = "bmxx"                           # 部门信箱
every = "{bmxx_every}"
department_default = "办公室"

[[sources]]
name = "demo-news"
profile = "sites/sample.toml"
section = "news"                           # the RSS news feed
every = "{news_every}"

[channels.office]
kind = "wecom"
label = "办公室企业微信群"                 # what the office reads (default: 企业微信群)
webhook = "{wecom_url}"
fallback = "office-mail"                 # used while the robot is broken or keeps failing

[channels.office-mail]
kind = "email"
label = "办公室邮箱"
smtp = "{smtp_url}"
to = ["office@example.gov.cn"]
starttls = false

[routing]                                  # a route delivers to every channel it lists
default = ["office"]
crisis = ["office", "office-mail"]

[summary]
at = "08:30"                               # working days only: make-up days in, holidays out
channels = ["office", "office-mail"]

[office_hours]
start = "08:30"
end = "17:30"

[daemon]
sweep_every = "{sweep_every}"                   # and at each deadline stage, and after a crawl
dispatch_every = "{dispatch_every}"               # held alerts go out when the office opens
misfire_grace = "5m"
crawl_window = "{crawl_window}"         # crawl in the day only …
crawl_on_rest_days = false              # … and on working days: few crawls, same story
"""

# Each crawl costs a child process (1.5–3 s of real time): the portal at 08:00 and 14:00 of
# each working day and the news each morning keep two simulated weeks at 35 crawls in 14
# batches, well under two minutes.
DEMO_SCHEDULE = {
    "bxcy_every": "6h",
    "bmxx_every": "6h",
    "news_every": "1d",
    "sweep_every": "2h",
    "dispatch_every": "30m",
    "crawl_window": "08:00-18:00",
}


def render_config(wecom_url: str, smtp_url: str) -> str:
    return CONFIG_TEMPLATE.format(wecom_url=wecom_url, smtp_url=smtp_url, **DEMO_SCHEDULE)


# ---------------------------------------------------------------------------------------
# The scenario
# ---------------------------------------------------------------------------------------


# loggers of the stand-ins (SMTP sink, sample portal, fake WeCom): not the daemon's story
STAND_IN_LOGGERS = ("mail.log", "aiosmtpd", "monitor.demo")


class SimulatedTimeFormatter(logging.Formatter):
    """Log lines stamped with the demo's simulated clock (the story runs on September's
    dates), in the office's time with its offset, like the daemon's own log."""

    def __init__(self, clock: Any) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.clock = clock

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return self.clock().astimezone(SHANGHAI).isoformat(timespec="seconds")


def separate_logs(folder: Path, clock: Any) -> None:
    """daemon.log on the simulated clock; the stand-ins' chatter in standins.log."""
    formatter = SimulatedTimeFormatter(clock)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
    stand_ins = logging.FileHandler(folder / "standins.log", encoding="utf-8")
    stand_ins.setFormatter(formatter)
    for name in STAND_IN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = [stand_ins]
        logger.propagate = False


@dataclass
class Step:
    at: datetime
    action: Callable[[Demo], None]


def scenario() -> list[Step]:
    """Messages, replies, news and a crisis at fixed simulated times (Asia/Shanghai). Steps
    before START are the portal's backlog when monitoring begins.

    Due dates (5 working days, 次日起算, on the real 2026 schedule): A 09-20 (a make-up
    Sunday) → 09-28; B 09-21 → 09-29; D 09-22 → 09-30; C and F 09-24 → 10-09 (over both
    holidays); G 09-28 → 10-10 (a make-up Saturday); K 09-29 → 10-12; E 10-03 (a holiday) →
    10-13. F is never answered and K not yet, so the fortnight ends as an office's board does:
    one overdue (F, since 10-10 00:00), one 临期 (K, 还剩2个工作日 from 10-10), one open (E).
    The 依申请公开 request of 09-23 is due after 20 working days, 10-28; 补正 may be asked
    until Sat 10-10. The draft announced on 09-24 takes comments 09-28 to 10-18, 20 days:
    short of 30, so the office is told that afternoon, before the window opens; its 采纳情况
    is due 11-06, after the story."""

    def post(
        ext: str,
        title: str,
        when: str,
        section: str = "bxcy",
        department: str = "综合科",
        author: str = "王先生",
        public: bool = True,
    ) -> Step:
        body = f"{title}，请予答复。联系电话 13912345678。"
        return Step(
            at(when),
            lambda d: d.portal.add_message(
                ext,
                title,
                at(when),
                section=section,
                department=department,
                author=author,
                public=public,
                body=body,
            ),
        )

    def reply(ext: str, when: str, department: str, text: str) -> Step:
        return Step(
            at(when), lambda d: d.portal.reply(ext, at(when), department=department, text=text)
        )

    def news(path: str, title: str, when: str, outlet: str, body: str) -> Step:
        return Step(at(when), lambda d: d.portal.add_news(path, title, at(when), body, outlet))

    crisis_title = "网传某安置房项目审计结果造假 市审计局回应正在核实"
    crisis_body = (
        "近日有网帖称某安置房项目审计结果造假，六安市审计局回应正在核实，"
        "多家媒体转载，网民关注度持续上升。"
    )
    steps = [
        # the backlog
        post("a1001", "咨询审计整改落实情况", "2026-09-20T09:12"),
        post(
            "b1002",
            "小区旁工地夜间施工扰民，请审计跟进项目管理",
            "2026-09-21T20:30",
            department="固定资产投资审计科",
            author="李女士",
        ),
        post(
            "d1004",
            "反映某单位财务问题",
            "2026-09-22T14:00",
            department="财政审计科",
            author="匿名",
            public=False,
        ),
        news(
            "/news/2026/0922/wage.html",
            "多家建筑企业拖欠工资 农民工讨薪难",
            "2026-09-22T11:00",
            "六安新闻网",
            "记者调查发现，部分项目存在拖欠工资现象，欠薪问题引发关注。",
        ),
        # monitoring from 09-24
        post("h1008", "测试留言，请删除", "2026-09-24T09:30"),
        Step(at("2026-09-28T10:00"), lambda d: d.portal.remove("h1008")),
        post(
            "c2003",
            "退休审计人员待遇政策咨询",
            "2026-09-24T11:00",
            section="bmxx",
            department="人事科",
            author="赵先生",
        ),
        post(
            "f1006",
            "反映某街道老旧小区改造工程质量问题",
            "2026-09-24T15:20",
            section="bmxx",
            department="经济责任审计科",
            author="钱女士",
        ),
        reply("a1001", "2026-09-24T11:30", "综合科", "感谢来信，整改落实情况已在门户网站公开。"),
        reply("d1004", "2026-09-25T10:00", "财政审计科", "您反映的问题已转有关科室核查。"),
        # a 依申请公开 request by letter, registered by the office: its own 20-working-day
        # clock, not a message's 5 days; the 7th working day after receipt (the last day to
        # ask for 补正) is Sat 10-10, a make-up workday
        Step(
            at("2026-09-23T10:20"),
            lambda d: d.register_disclosure(
                "申请公开某项目审计报告", at("2026-09-23T10:20"), "法规科", "吴先生"
            ),
        ),
        # a draft for public comment announced with a 20-day window (the rule is at least 30):
        # the office hears of it the same afternoon, before the window opens, while the dates
        # can still be changed
        Step(
            at("2026-09-24T15:10"),
            lambda d: d.register_consultation(
                "六安市政府投资审计实施办法（征求意见稿）",
                at("2026-09-28T00:00"),
                at("2026-10-18T00:00"),
                "法规科",
            ),
        ),
        post(
            "g1007",
            "建议优化政府投资项目审计流程",
            "2026-09-28T10:00",
            department="固定资产投资审计科",
            author="孙先生",
        ),
    ]
    # a rumour reprinted by six outlets on Monday evening; the morning news crawl finds it,
    # the office declares a crisis from the moment it was found (08:00): publish by 13:00,
    # press conference by 08:00 the next day
    outlets = ["皖西日报", "六安新闻网", "安徽网", "大皖新闻", "新安晚报", "澎湃新闻"]
    for index, outlet in enumerate(outlets):
        when = f"2026-09-28T{18 + index // 2:02d}:{(index % 2) * 30 + 5:02d}"
        steps.append(news(f"/news/2026/0928/{index}.html", crisis_title, when, outlet, crisis_body))
    steps += [
        Step(
            at("2026-09-29T09:00"),
            lambda d: d.declare_crisis(crisis_title, "major", at("2026-09-29T08:00")),
        ),
        Step(at("2026-09-29T13:40"), lambda d: d.milestone_done("publish", at("2026-09-29T13:40"))),
        Step(
            at("2026-09-30T07:45"),
            lambda d: d.milestone_done("press_conference", at("2026-09-30T07:45")),
        ),
        post(
            "k1009",
            "反映某农村公路项目验收后不久路面开裂",
            "2026-09-29T16:40",
            department="固定资产投资审计科",
            author="冯先生",
        ),
        reply("c2003", "2026-09-30T10:15", "人事科", "退休人员待遇按省有关规定执行，详见附件。"),
        post(
            "e1005",
            "国庆假期期间办事大厅开放时间",
            "2026-10-03T14:00",
            department="办公室",
            author="周先生",
        ),
        reply(
            "b1002", "2026-10-09T10:00", "固定资产投资审计科", "已责成施工单位整改，夜间停止施工。"
        ),
        reply("g1007", "2026-10-10T11:00", "固定资产投资审计科", "感谢建议，我局将研究采纳。"),
    ]
    return sorted(steps, key=lambda s: s.at)


# ---------------------------------------------------------------------------------------
# The simulated clock driver
# ---------------------------------------------------------------------------------------


class SimClock:
    """The App's clock in the demo: it only moves when the driver moves it."""

    def __init__(self, moment: datetime) -> None:
        self.moment = to_utc(moment)

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = to_utc(moment)


@dataclass
class Simulation:
    """Step job specs (their triggers' get_next_fire_time) and scenario steps in time order.

    At equal times scenario steps go first (the world changes, then the daemon looks)."""

    clock: SimClock
    specs: list[JobSpec]
    steps: list[Step] = field(default_factory=list)
    on_time: Callable[[datetime], None] | None = None
    on_failure: Callable[[Any, BaseException], None] | None = None
    runs: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[datetime, str, str]] = field(default_factory=list)

    def run(self, start: datetime, end: datetime, demo: Any = None) -> None:
        order = itertools.count()
        heap: list[tuple[datetime, int, int, Any]] = []
        for step in self.steps:
            heapq.heappush(heap, (to_utc(step.at), 0, next(order), step))
        for spec in self.specs:
            first = spec.trigger.get_next_fire_time(None, to_utc(start))
            if first is not None:
                heapq.heappush(heap, (to_utc(first), 1, next(order), spec))
        end_utc = to_utc(end)
        while heap and heap[0][0] <= end_utc:
            moment = heap[0][0]
            due = []
            while heap and heap[0][0] == moment:
                due.append(heapq.heappop(heap))
            self.clock.set(moment)
            if self.on_time is not None:
                self.on_time(moment)
            for _, kind, _, item in due:
                if kind == 0:
                    item.action(demo)
            specs = [item for _, kind, _, item in due if kind == 1]
            # as in the daemon's crawl executor: crawls due together run side by side
            crawls = [s for s in specs if s.executor == "crawl"]
            if crawls:
                with ThreadPoolExecutor(max_workers=CRAWL_WORKERS) as pool:
                    for spec, future in [(s, pool.submit(s.func)) for s in crawls]:
                        self._outcome(spec, moment, future.exception())
            for spec in specs:
                if spec.executor != "crawl":
                    try:
                        spec.func()
                    except Exception as exc:  # noqa: BLE001 - as the scheduler: log, go on
                        self._outcome(spec, moment, exc)
            for spec in specs:
                self.runs[spec.kind] = self.runs.get(spec.kind, 0) + 1
                nxt = spec.trigger.get_next_fire_time(moment, moment)
                if nxt is not None:
                    heapq.heappush(heap, (to_utc(nxt), 1, next(order), spec))
        self.clock.set(end_utc)

    def _outcome(self, spec: JobSpec, moment: datetime, error: BaseException | None) -> None:
        """A failed job is logged and the next one runs, as APScheduler does in `run`."""
        if error is None:
            return
        self.failures.append((moment, spec.id, f"{type(error).__name__}: {error}"))
        logging.getLogger("monitor.daemon").error(
            "job %s failed: %s: %s",
            spec.id,
            type(error).__name__,
            error,
            exc_info=(type(error), error, error.__traceback__),
        )
        if self.on_failure is not None:
            self.on_failure(spec, error)


# ---------------------------------------------------------------------------------------
# The demo
# ---------------------------------------------------------------------------------------


def prepare_folder(folder: Path) -> None:
    """A fresh demo folder: refuse to wipe a folder the demo did not create."""
    if folder.exists():
        if not folder.is_dir():
            raise MonitorError(f"--dir {folder}：已存在且不是文件夹")
        if any(folder.iterdir()) and not (folder / MARKER).exists():
            raise MonitorError(
                f"--dir {folder}：该文件夹已存在且不是演示创建的；请换一个"
                "（演示每次从头开始，会删除文件夹中的内容）"
            )
        shutil.rmtree(folder)
    (folder / "sites").mkdir(parents=True)
    (folder / MARKER).write_text(
        "made by `opinion-monitor demo`; re-running deletes this folder\n", encoding="utf-8"
    )


class Demo:
    """The running demo: portal, sinks, app, printing."""

    def __init__(self, folder: Path, out: TextIO = sys.stdout, quiet: bool = False) -> None:
        self.folder = folder
        self.out = out
        self.quiet = quiet
        self.portal: Any = None
        self.wecom: Any = None
        self.smtp: Any = None
        self.app: App | None = None
        self.clock = SimClock(START)
        self.window = (START, END)
        self.event_id: int | None = None
        self._day: date | None = None
        self._wecom_seen = 0
        self._mail_seen = 0
        self.sent: dict[str, int] = {}
        self._printed: set[int] = set()

    # -- set-up ---------------------------------------------------------------------------
    def start(self) -> None:
        prepare_folder(self.folder)
        self.portal = SamplePortal()
        base_url = self.portal.start()
        # the robot's 20-per-minute window and the dispatcher's throttle both run on the
        # simulated clock: a throttle "sleep" moves simulated time, nothing really waits
        self.timing = DemoTiming(self.clock)
        self.wecom = FakeWecom(clock=self.timing.monotonic).start()
        self.smtp = SmtpSink().start()
        (self.folder / "sites" / "sample.toml").write_text(
            luan_profile_text(base_url), encoding="utf-8"
        )
        for name in ("holidays.toml", "watchlist.txt"):
            shutil.copyfile(TEMPLATES / name, self.folder / name)
        config_path = self.folder / "monitor.toml"
        config_path.write_text(
            render_config(self.wecom.url("demo"), self.smtp.url("monitor")), encoding="utf-8"
        )
        self.app = App(load_config(config_path), clock=self.clock)
        self.app.sessions  # create and migrate the database
        seeding.seed(self.app)
        channels_for(self.app, self.timing)  # cached on the app: every dispatch uses it
        # the daemon's English log goes to a file; the screen gets the Chinese story
        log_file = self.folder / "daemon.log"
        setup_logging(log_file, stream=_NullStream())
        separate_logs(self.folder, self.clock)

    def stop(self, keep_portal: bool = False) -> None:
        """Stop the stand-ins and let go of the log files; with `keep_portal` the sample
        portal goes on serving (`demo --web`: the dashboard's 门户页面 links must open), until
        `stop_portal`."""
        parts = (self.wecom, self.smtp) if keep_portal else (self.portal, self.wecom, self.smtp)
        for part in parts:
            if part is not None:
                try:
                    part.stop()
                except Exception:  # noqa: BLE001 - stopping stand-ins must not mask the result
                    pass
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for name in STAND_IN_LOGGERS:
            logger = logging.getLogger(name)
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
                handler.close()
            logger.propagate = True

    def stop_portal(self) -> None:
        if self.portal is not None:
            try:
                self.portal.stop()
            except Exception:  # noqa: BLE001 - the dashboard has ended already
                pass

    # -- printing -------------------------------------------------------------------------
    def say(self, text: str, moment: datetime | None = None) -> None:
        if self.quiet:
            return
        stamp = format_local(moment or self.clock())[5:]
        print(f"[{stamp}] {text}", file=self.out, flush=True)

    def on_time(self, moment: datetime) -> None:
        day = local_date(moment)
        if day == self._day:
            return
        self._day = day
        if self.quiet:
            return
        assert self.app is not None
        calendar = self.app.calendar
        first, last = self.window
        total = (local_date(last) - local_date(first)).days + 1
        done = min(total, (day - local_date(first)).days + 1)
        if calendar.is_workday(day):
            kind = "调休上班" if day.weekday() >= 5 else "工作日"
        else:
            kind = (
                f"{calendar.holiday_name(day)}（休息）"
                if calendar.holiday_name(day)
                else "周末（休息）"
            )
        bar = "■" * round(20 * done / total) + "□" * (20 - round(20 * done / total))
        print(
            f"\n── {day.isoformat()} 周{WEEKDAYS[day.weekday()]} {kind}  {bar} {done}/{total} 天",
            file=self.out,
            flush=True,
        )

    def on_crawl(self, result: Any) -> None:
        assert self.app is not None
        now = self.clock()
        if not result.ok:
            self.say(f"抓取 {source_title(self.app.config, result.source)} 失败：{result.error}")
            return
        with self.app.session() as session:
            if result.source == "demo-news":
                items = session.scalars(select(NewsItem).where(NewsItem.first_seen == now)).all()
                for item in items:
                    self.say(f"{column('新闻')}{item.outlet or ''}《{item.title}》")
                return
            for m in session.scalars(
                select(Message)
                .where(Message.first_seen == now, Message.source == result.source)
                .order_by(Message.posted_at)
            ):
                flag = "（不公开，仅列表可见）" if not m.url else ""
                self.say(
                    f"{column('新留言')}[{source_title(self.app.config, m.source)}]「{m.title}」{flag}"
                    f"{m.department or ''}，来信 {format_local(m.posted_at)[5:]}，"
                    f"答复期限 {m.due_date.isoformat()}（5 个工作日）"
                )
            for m in session.scalars(
                select(Message).where(
                    Message.state_changed_at == now,
                    Message.source == result.source,
                    Message.first_seen < now,
                )
            ):
                if m.state in ("replied", "replied_late"):
                    how = "按时回复" if m.state == "replied" else "逾期回复"
                    when = format_local(m.replied_at)[5:]
                    when = f"{when} 前，列表状态变为已回复" if m.replied_at_approx else when
                    self.say(
                        f"{column('已回复')}「{m.title}」{m.reply_department or m.department or ''}"
                        f"{how}（{when}；期限 {m.due_date.isoformat()}）"
                    )
                elif m.state == "withdrawn":
                    self.say(f"{column('已撤回')}「{m.title}」从门户消失")

    def on_dispatch(self, _result: Any) -> None:
        assert self.app is not None
        now = self.clock()
        with self.app.session() as session:
            sent = [
                a
                for a in session.scalars(
                    select(Alert)
                    .where(Alert.sent_at == now, Alert.status == "sent")
                    .order_by(Alert.id)
                )
                if a.id not in self._printed
            ]
            lines = [self.describe(session, alert) for alert in sent]
        for alert in sent:
            self._printed.add(alert.id)
            label = kind_label(alert.kind)
            self.sent[label] = self.sent.get(label, 0) + 1
        wecom = len(self.wecom.messages) - self._wecom_seen
        mail = len(self.smtp.messages) - self._mail_seen
        self._wecom_seen += wecom
        self._mail_seen += mail
        for line in lines:
            self.say(line)
        if wecom or mail:
            self.say(f"{column('')}→ 已发送：企业微信 {wecom} 条，邮件 {mail} 封")

    def describe(self, session: Any, alert: Any) -> str:
        label = column(kind_label(alert.kind))
        kind_of, _, ident = alert.subject.partition(":")
        data = alert.data or {}
        if kind_of == "message" and ident.isdigit():
            m = session.get(Message, int(ident))
            if m is None:
                return f"{label}{alert.subject}"
            if alert.kind == AlertKind.REPLY_AT_RISK:
                left = stage_label(alert.kind, alert.stage)  # 今天到期 / 还剩2个工作日
                return (
                    f"{label}「{m.title}」{m.department or ''}：{left}，"
                    f"期限 {m.due_date.isoformat()} 24:00"
                )
            if alert.kind == AlertKind.REPLY_OVERDUE:
                return f"{label}「{m.title}」{m.department or ''}：已超过答复期限 {m.due_date.isoformat()}"
            if alert.kind == AlertKind.REPLY_RESOLVED:
                how = "按时" if m.state == "replied" else "逾期"
                return f"{label}「{m.title}」已{how}回复，提醒解除"
            if alert.kind in WATCH_KINDS:
                terms = (
                    "、".join(data.get("terms", [])) if isinstance(data.get("terms"), list) else ""
                )
                return f"{label}留言「{m.title}」命中：{terms}"
            if alert.kind == AlertKind.REPLY_PERFUNCTORY:
                labels = data.get("labels")
                why = "、".join(labels) if isinstance(labels, list) and labels else "回复疑似敷衍"
                return f"{label}「{m.title}」的回复：{why}，请核实"
        if kind_of == "disclosure" and ident.isdigit():
            request = session.get(DisclosureRequest, int(ident))
            if request is not None:
                if alert.kind == AlertKind.DISCLOSURE_CORRECTION:
                    return (
                        f"{label}「{request.title}」{request.department or ''}：今天是补正告知的"
                        f"最后一天（收到后第7个工作日），答复期限 {request.due_date.isoformat()}"
                    )
                if alert.kind == AlertKind.DISCLOSURE_OVERDUE:
                    return (
                        f"{label}「{request.title}」：已超过答复期限 {request.due_date.isoformat()}"
                    )
                return (
                    f"{label}「{request.title}」{request.department or ''}："
                    f"{stage_label(alert.kind, alert.stage)}，期限 {request.due_date.isoformat()} 24:00"
                )
        if kind_of == "consultation" and ident.isdigit():
            row = session.get(Consultation, int(ident))
            if row is not None and alert.kind == AlertKind.CONSULTATION_SHORT:
                return (
                    f"{label}「{row.title}」{row.department or ''}：征集 {row.window_days} 天，"
                    f"不足 {row.min_days} 天（{row.opens_on.isoformat()} 开始），请延长或说明理由"
                )
        if kind_of == "milestone" and ident.isdigit():
            ms = session.get(Milestone, int(ident))
            if ms is not None:
                what = MILESTONE_ZH.get(ms.name, ms.name)
                if alert.kind == AlertKind.CRISIS_OVERDUE:
                    return (
                        f"{label}「{ms.event.title}」{what}已超时"
                        f"（时限 {format_local(ms.deadline)[5:]}）"
                    )
                return (
                    f"{label}「{ms.event.title}」{what}{stage_label(alert.kind, alert.stage)}"
                    f"（时限 {format_local(ms.deadline)[5:]}）"
                )
        if alert.kind == AlertKind.DAILY_SUMMARY:
            overdue = (
                session.scalar(
                    select(func.count()).select_from(Message).where(Message.state == "overdue")
                )
                or 0
            )
            return f"{label}{ident}：超期未回复 {overdue} 条，已发往企业微信和邮件"
        if alert.kind in WATCH_KINDS:
            listed = data.get("terms")
            terms_text = "、".join(listed) if isinstance(listed, list) else ""
            extra = f"，{data.get('spread')} 家媒体转载" if data.get("spread") else ""
            return f"{label}《{data.get('title', alert.subject)}》命中：{terms_text}{extra}"
        return f"{label}{alert.subject} {stage_label(alert.kind, alert.stage)}"

    def on_failure(self, spec: Any, error: BaseException) -> None:
        self.say(f"任务失败 {spec.id}：{type(error).__name__}: {error}（详见 daemon.log）")

    # -- scenario actions -----------------------------------------------------------------
    def declare_crisis(self, title: str, level: str, started_at: datetime) -> None:
        assert self.app is not None
        with self.app.session() as session:
            event = declare_event(
                session, title, level, to_utc(started_at), self.app.config, self.clock()
            )
            self.event_id = event.id
            clocks = "；".join(
                f"{MILESTONE_ZH[m.name]}时限 {format_local(m.deadline)[5:]}"
                for m in event.milestones
            )
        self.say(
            f"突发事件 登记{EVENT_LEVEL_ZH[level]}事件「{title}」，"
            f"发生于 {format_local(to_utc(started_at))[5:]}：{clocks}"
        )

    def register_disclosure(
        self, title: str, received: datetime, department: str, applicant: str
    ) -> None:
        assert self.app is not None
        with self.app.session() as session:
            ctx = Context(self.app.config, self.app.calendar, self.clock(), actor="demo")
            request = add_request(
                session,
                ctx,
                title,
                to_utc(received),
                applicant=applicant,
                channel="信函",
                department=department,
            )
            due, correction = request.due_date, request.correction_due
        self.say(
            f"依申请公开 登记「{title}」（{department}，信函）：20个工作日答复期限 "
            f"{due.isoformat()} 24:00；如需补正，最迟 {correction.isoformat()} 告知申请人"
        )

    def register_consultation(
        self, title: str, opens: datetime, closes: datetime, department: str
    ) -> None:
        """What `consult add` does: register the window, and queue the short-window alert
        at once (the sweep's consultation_short step for this row)."""
        assert self.app is not None
        with self.app.session() as session:
            ctx = Context(self.app.config, self.app.calendar, self.clock(), actor="demo")
            row = add_consultation(session, ctx, title, opens, closes, department=department)
            if row.short:
                short_alerts(session, ctx.now, [row.id])
            days, least, short, due = row.window_days, row.min_days, row.short, row.due_date
            window = f"{row.opens_on.isoformat()} 至 {row.closes_on.isoformat()}"
        note = f"，少于 {least} 天（{MIN_DAYS_BASIS}）" if short else ""
        self.say(
            f"意见征集 登记「{title}」（{department}）：征集期 {window}，{days} 天{note}；"
            f"采纳情况公布期限 {due.isoformat()} 24:00"
        )

    def milestone_done(self, name: str, done_at: datetime) -> None:
        assert self.app is not None and self.event_id is not None
        with self.app.session() as session:
            ms = mark_milestone_done(session, self.event_id, name, to_utc(done_at), self.app.now())
            assert ms.done_at is not None  # just marked
            late = ms.done_at - ms.deadline
        self.say(
            f"突发事件 {MILESTONE_ZH[name]}已完成"
            f"{'（超时 ' + _span(late) + '）' if late > timedelta(0) else '（按时）'}"
        )

    # -- the end --------------------------------------------------------------------------
    def report(
        self,
        elapsed: float,
        runs: dict[str, int],
        start: datetime = START,
        end: datetime = END,
        keep_portal: bool = False,
    ) -> None:
        assert self.app is not None
        with self.app.session() as session:
            states = dict(
                session.execute(select(Message.state, func.count()).group_by(Message.state)).all()
            )
            alerts = dict(
                session.execute(select(Alert.status, func.count()).group_by(Alert.status)).all()
            )
        zh = {  # the board's order: what needs doing first
            "overdue": "超期",
            "at_risk": "临期",
            "open": "办理中",
            "replied": "按时回复",
            "replied_late": "逾期回复",
            "withdrawn": "已撤回",
        }
        config = self.folder / "monitor.toml"
        lines = [
            "",
            "═" * 60,
            f"演示结束：模拟 {start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}"
            f"{'（含中秋、国庆假期和调休上班日）' if (start, end) == (START, END) else ''}，"
            f"用时 {elapsed:.0f} 秒。",
            f"守护进程任务：抓取 {runs.get('crawl', 0)} 次，巡检 {runs.get('sweep', 0)} 次，"
            f"每日汇总 {runs.get('summary', 0)} 次（仅工作日），日历检查 {runs.get('calendar', 0)} 次。",
            "留言："
            + "，".join(f"{zh[k]} {states[k]} 条" for k in zh if states.get(k))
            + "".join(f"，{k} {v} 条" for k, v in sorted(states.items()) if k not in zh),
            "提醒："
            + "，".join(f"{k} {v} 条" for k, v in self.sent.items())
            + f"（发送 {alerts.get('sent', 0)}，待发 {alerts.get('pending', 0)}，失败 {alerts.get('failed', 0)}）",
            f"企业微信收到 {len(self.wecom.messages)} 条消息，邮箱收到 {len(self.smtp.messages)} 封邮件。",
            f"看板上待办：超期 {states.get('overdue', 0)} 条，临期 {states.get('at_risk', 0)} 条，"
            f"办理中 {states.get('open', 0)} 条。",
            "",
            f"数据保存在 {self.folder}/（数据库 monitor.db，守护进程日志 daemon.log）。继续查看：",
            f"  opinion-monitor --config {config} items --state all",
            f"  opinion-monitor --config {config} status",
            f"  opinion-monitor --config {config} alerts list",
            f"  opinion-monitor --config {config} event list",
            f"  opinion-monitor --config {config} disclosure list",
            f"  opinion-monitor --config {config} consult list --state all",
            f"  opinion-monitor --config {config} report --period 2026 --out 报告.html",
        ]
        if not keep_portal:
            # the links in the database point at the sample portal, which lives with the demo
            lines += [
                "",
                f"注意：留言的门户链接指向演示自带的样例门户 {self.portal.base_url}，它已随演示"
                "结束关闭；用 opinion-monitor demo --web 查看看板时，样例门户会一直开着。",
            ]
        print("\n".join(lines), file=self.out, flush=True)


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} 小时 {minutes % 60} 分" if minutes >= 60 else f"{minutes} 分钟"


class DemoTiming(Timing):
    """alerts' Timing on the simulated clock (monotonic = simulated seconds + throttle
    sleeps), so the WeCom 20-per-minute limit is kept without real waiting."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.clock().timestamp() + self.slept

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept += seconds


class _NullStream:
    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass


def run_demo(
    folder: Path,
    out: TextIO = sys.stdout,
    quiet: bool = False,
    start: datetime = START,
    end: datetime = END,
    keep_portal: bool = False,
) -> Demo:
    """Run the whole demo; returns the Demo (its sinks hold what was sent). With
    `keep_portal` the sample portal still serves when it returns (the caller stops it with
    `Demo.stop_portal`): `demo --web` shows pages whose portal links must open."""
    begun = time.monotonic()
    # everything talks to 127.0.0.1: never through a proxy the user's environment names
    # (the crawl children inherit this)
    for name in ("no_proxy", "NO_PROXY"):
        os.environ[name] = ",".join(filter(None, [os.environ.get(name), "127.0.0.1", "localhost"]))
    demo = Demo(folder, out=out, quiet=quiet)
    demo.window = (start, end)
    demo.clock.set(start)
    try:
        demo.start()
        assert demo.app is not None
        print(
            f"opinion-monitor 演示：样例门户 {demo.portal.base_url}，企业微信机器人（本地模拟）"
            f"与 SMTP 邮箱 127.0.0.1:{demo.smtp.port}；工作目录 {folder}/",
            file=out,
            flush=True,
        )
        print(
            f"模拟时钟从 {start:%Y-%m-%d %H:%M} 走到 {end:%Y-%m-%d %H:%M}"
            f"{'（经过中秋、国庆假期，10-10 周六调休上班）' if (start, end) == (START, END) else ''}；"
            f"工作日 8:00、14:00 抓取门户，8:00 抓取新闻，"
            "到达各提醒节点时即时巡检。",
            file=out,
            flush=True,
        )
        jobs = DaemonJobs(
            demo.app, on_crawl=demo.on_crawl, on_dispatch=demo.on_dispatch, started_at=demo.clock()
        )
        specs = [s for s in build_jobs(jobs, demo.app.config, start) if s.kind in DEMO_JOB_KINDS]
        steps = scenario()
        backlog = [s for s in steps if s.at < start]
        for step in backlog:  # already on the portal when monitoring begins
            step.action(demo)
        simulation = Simulation(
            demo.clock,
            specs,
            [s for s in steps if s.at >= start],
            on_time=demo.on_time,
            on_failure=demo.on_failure,
        )
        try:
            simulation.run(start, end, demo)
        finally:
            jobs.close_pool()
        demo.report(time.monotonic() - begun, simulation.runs, start, end, keep_portal)
    except BaseException:
        demo.stop()
        raise
    demo.stop(keep_portal=keep_portal)
    return demo
