"""Alerts (docs/alerts.md): the outbox dispatcher, WeCom and email channels, rendering, the daily
summary. Rows in `alerts` are written by the sweep; `dispatch` turns them into messages."""
