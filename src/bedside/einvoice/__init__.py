"""The fiscal medical e-invoice (财政电子票据): bills the fiscal e-invoice platform numbers for
each settlement (and, as the hospital configures, each deposit), their red-letter reversals,
and the platform client. Announces nothing; reacts to discharge's Settled and
SettlementReversed."""
