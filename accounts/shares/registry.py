"""Registers the account share tables with governance.sharing and the merge."""

from __future__ import annotations

from accounts.models import Account


def _move_shares(merged: Account, survivor: Account) -> int:
    from governance.sharing import share_move

    return share_move(merged=merged, survivor=survivor)


def register_shares() -> None:
    from accounts import merge
    from accounts.shares.models import AccountTeamShare, AccountUserShare
    from governance import sharing

    sharing.register_share_tables(Account, user_model=AccountUserShare, team_model=AccountTeamShare)
    sharing.register_inherited_shares("accounts.contact", shared_label="accounts.account", field="account")
    merge.register_mover("shares", _move_shares)
