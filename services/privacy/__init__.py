"""The data-protection officer's side of the personal data law (Law 91/2025/QH15, Decree 356/2025/ND-CP):
citizens' requests with their legal clock, the breach register, the access log and the retention job."""
