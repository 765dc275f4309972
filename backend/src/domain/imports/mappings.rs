//! Column mappings an organisation chose for its 台账, kept for next time.
