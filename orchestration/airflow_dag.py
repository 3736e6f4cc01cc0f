"""Airflow DAG of the warehouse build (issue 14): drop this file in the DAGs folder of a team's Airflow.

The tasks are the steps of `audience.spark.pipeline` (one place for the order), run as shell commands
in the project directory (`AUDIENCE_PROJECT_DIR`, with its venv `AUDIENCE_VENV_BIN`) on the target
`AUDIENCE_TARGET` (spark | duckdb). Without Airflow installed the module still imports: `TASKS` lists
the task ids and their upstream task, which the tests check.
"""

from __future__ import annotations

import os
import shlex

from audience.spark.pipeline import steps

TARGET = os.environ.get("AUDIENCE_TARGET", "spark")
PROJECT_DIR = os.environ.get(
    "AUDIENCE_PROJECT_DIR", os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)
VENV_BIN = os.environ.get("AUDIENCE_VENV_BIN", os.path.join(PROJECT_DIR, ".venv", "bin"))

STEPS = steps(TARGET)
# (task id, upstream task id or None): a chain, each step after the previous one
TASKS = [(step.name, STEPS[index - 1].name if index else None) for index, step in enumerate(STEPS)]

try:  # Airflow is optional: the DAG object exists only where Airflow is installed
    from airflow import DAG
    from airflow.operators.bash import BashOperator
except ImportError:  # pragma: no cover - depends on the environment
    DAG = None

if DAG is not None:  # pragma: no cover - needs Airflow
    import pendulum

    with DAG(
        dag_id=f"audience_warehouse_{TARGET}",
        schedule="@daily",
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        tags=["audience", TARGET],
    ) as dag:
        previous = None
        for step in STEPS:
            command = " ".join(
                shlex.quote(part) for part in (os.path.join(VENV_BIN, step.command[0]), *step.command[1:])
            )
            task = BashOperator(
                task_id=step.name,
                bash_command=f"cd {shlex.quote(PROJECT_DIR)} && {command}",
                doc_md=step.description,
                env={"DBT_PROFILES_DIR": PROJECT_DIR},
                append_env=True,
            )
            if previous is not None:
                previous >> task
            previous = task
