from aq_service_helpers import crm, service  # noqa: F401  (fixtures)
