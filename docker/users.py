"""The init service's users: one login per role of the FAB auth manager, from the env file.

Run by docker/init.sh after ``airflow db migrate`` (and after docker/preflight.py refused any weak
password). For each role, when ``AIRFLOW_<ROLE>_USERNAME`` is set (the Admin's defaults to ``admin``):

- ``Admin`` — the data engineers: everything, users included;
- ``Op`` — the office's operators: trigger and clear runs (the monthly report's re-runs), pools;
- ``Viewer`` — analysts and department liaisons: read runs and logs, trigger nothing.

A missing user is created; an existing one gets the role and the password of the env file again
(changing the password in docker/.env and restarting the init rotates it). Users added by hand in
the UI (Security → Users) are left alone. Prints the user names and roles, never a password.
"""

from __future__ import annotations

import os
import sys

ROLES = {"ADMIN": "Admin", "OP": "Op", "VIEWER": "Viewer"}


def wanted(env=os.environ) -> list[tuple[str, str, str, str]]:
    """(username, role, password, email) for every role whose user name is set."""
    users = []
    for key, role in ROLES.items():
        username = (env.get(f"AIRFLOW_{key}_USERNAME") or ("admin" if key == "ADMIN" else "")).strip()
        if not username:
            continue
        password = env.get(f"AIRFLOW_{key}_PASSWORD") or ""
        if not password:  # docker/preflight.py refuses this first; never create a user without one
            raise SystemExit(f"AIRFLOW_{key}_PASSWORD is not set for user {username}")
        email = (env.get(f"AIRFLOW_{key}_EMAIL") or f"{username}@newinfra.invalid").strip()
        users.append((username, role, password, email))
    return users


def main() -> int:
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder

    users = wanted()
    with get_application_builder() as appbuilder:
        sm = appbuilder.sm
        sm.sync_roles()  # the built-in roles and their permissions (Admin, Op, User, Viewer, Public)
        for username, role_name, password, email in users:
            role = sm.find_role(role_name)
            if role is None:
                raise SystemExit(f"no role {role_name} in the FAB auth manager")
            user = sm.find_user(username=username)
            if user is None:
                if not sm.add_user(username, username, role_name, email, role, password):
                    raise SystemExit(f"could not create user {username}")
                print(f"user {username}: created ({role_name})")
                continue
            user.roles = [role]
            user.active = True
            sm.update_user(user)
            sm.reset_password(user.id, password)
            print(f"user {username}: role {role_name}, password from the env file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
