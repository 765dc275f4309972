//! A 台账 table becomes a draft ledger: which row is the header, which column holds what.
