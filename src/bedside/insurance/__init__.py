"""Medical-insurance settlement at discharge (出院结算): how a stay's charges split between the
pooled fund (统筹基金), the personal account (个人账户) and the patient's cash (个人现金).

- `schemes`: the reimbursement parameters of each scheme, per hospital level (configuration).
- `mechanics`: the split itself, as pure functions over integer fen.
- `platform`: the interface Bedside calls, shaped after the national platform's inpatient
  transactions (2401/2402 registration, 2301/2302 fee details, 2303/2304/2305 settlement).
- `wire`, `codec`, `client`: the platform's envelope and signatures, and the real client.
- `stays`, `handlers`, `models`: registration and fee uploads as a stay goes, and what the
  platform answered. The platform's books for demos and tests live in the bundled peer
  (bedside.simulators.insurance_books / insurance_platform), which product code never imports.

Money is integer fen throughout; rates are integer basis points (1 bp = 0.01 %)."""
