"""意见征集: consultations on drafts, their comment windows and the 采纳情况 they owe (docs/consultations.md)."""
