-- PostgreSQL peer of the ledger transfer benchmark (bench/run): the tables a plain SQL ledger
-- would use. psql variables: accounts (row count), funds (opening balance of every account).
CREATE TABLE accounts (
  id      integer PRIMARY KEY,
  balance bigint  NOT NULL CHECK (balance >= 0)
);

CREATE SEQUENCE transfer_ids;

-- Two rows per transfer (double entry); append-only, read per account like a history page.
CREATE TABLE entries (
  id          bigserial   PRIMARY KEY,
  transfer_id bigint      NOT NULL,
  account_id  integer     NOT NULL REFERENCES accounts (id),
  amount      bigint      NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entries_by_account ON entries (account_id, id);

INSERT INTO accounts (id, balance) SELECT g, :funds FROM generate_series(1, :accounts) AS g;
VACUUM ANALYZE accounts;
