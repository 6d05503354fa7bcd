"""The campaign's own rules, shared by generation, intake and reports.

:mod:`~pipeline.campaign.identity` — the form id every issued form carries;
:mod:`~pipeline.campaign.obligations` — who owes which form, when, pre-filled with what.
Nothing here renders a document or touches the store.
"""
