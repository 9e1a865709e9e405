"""Dialogs declared once for every platform (DESIGN §3)."""

from __future__ import annotations

from core.commands import dialog_commands
from core.dialogs.admin import Admin, on_admin_action
from core.dialogs.admin_broadcast import AdminBroadcast
from core.dialogs.admin_money import AdminMoneyDialog, on_admin_money_action
from core.dialogs.admin_people import AdminPeopleDialog, on_admin_people_action
from core.dialogs.admin_reports import AdminReports, on_admin_report_action
from core.dialogs.badges import BadgesDialog
from core.dialogs.book import BookSession
from core.dialogs.busy import BusyDialog
from core.dialogs.community import Communities, on_community_action
from core.dialogs.dispute_side import DisputeSideDialog, on_dispute_side
from core.dialogs.dms import DirectMessage, on_dm_action
from core.dialogs.engine import Dialog, Registry
from core.dialogs.find import FindMentor
from core.dialogs.forms import on_form_action
from core.dialogs.group import GroupSessions, on_group_action
from core.dialogs.guess import ConfirmGuess
from core.dialogs.link import LinkAccounts
from core.dialogs.mentor_stats import MentorStatsDialog
from core.dialogs.menu import HelpCommand, MainMenu, StartCommand, on_menu
from core.dialogs.onboarding import Onboarding
from core.dialogs.posts import (
    MentorPosts,
    on_helpful_action,
    on_office_hours_action,
    on_post_action,
)
from core.dialogs.privacy import PrivacyDialog, on_privacy_action
from core.dialogs.profile import OwnProfile, on_edit, on_follow, on_primary, on_view
from core.dialogs.quiet import QuietDialog, on_quiet_action
from core.dialogs.safety import ReportPerson, on_safety_action
from core.dialogs.sessions import MySessions, RateSession, on_booking_action, on_rating_action
from core.dialogs.swap import SwapDialog, on_swap_action
from core.dialogs.upgrade import on_upgrade_action
from core.dialogs.verify import VerifyEmail
from core.dialogs.wallet import Wallet, on_wallet_action


def build_registry() -> Registry:
    dialogs: list[Dialog] = [
        MainMenu(),
        StartCommand(),
        HelpCommand(),
        Onboarding(),
        OwnProfile(),
        FindMentor(),
        Admin(),
        AdminMoneyDialog(),
        AdminBroadcast(),
        AdminReports(),
        AdminPeopleDialog(),
        DisputeSideDialog(),
        LinkAccounts(),
        BookSession(),
        MySessions(),
        RateSession(),
        Wallet(),
        ConfirmGuess(),
        Communities(),
        MentorPosts(),
        MentorStatsDialog(),
        VerifyEmail(),
        DirectMessage(),
        ReportPerson(),
        PrivacyDialog(),
        SwapDialog(),
        BadgesDialog(),
        BusyDialog(),
        GroupSessions(),
        QuietDialog(),
    ]
    return Registry(
        dialogs={d.name: d for d in dialogs},
        commands=dialog_commands(),
        actions={
            "menu": on_menu,
            "pe": on_edit,
            "pv": on_view,
            "pp": on_primary,
            "fav": on_follow,
            "adm": on_admin_action,
            "adx": on_admin_money_action,
            "adp": on_admin_people_action,
            "adr": on_admin_report_action,
            "dsd": on_dispute_side,
            "bk": on_booking_action,
            "rt": on_rating_action,
            "wal": on_wallet_action,
            "form": on_form_action,
            "cm": on_community_action,
            "pa": on_post_action,
            "oh": on_office_hours_action,
            "hp": on_helpful_action,
            "dm": on_dm_action,
            "sf": on_safety_action,
            "priv": on_privacy_action,
            "sw": on_swap_action,
            "up": on_upgrade_action,
            "gp": on_group_action,
            "qh": on_quiet_action,
        },
    )
