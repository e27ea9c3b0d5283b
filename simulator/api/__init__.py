"""HTTP concerns shared by all areas: routing from the contract, auth, validation, errors."""
