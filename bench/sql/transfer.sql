-- pgbench script: one transfer of :amount between two distinct random accounts out of :accounts,
-- written as a PostgreSQL application would: both rows locked in id order (so concurrent
-- transfers never deadlock), the source balance checked, both balances updated, two entry rows
-- inserted, one commit. Durability is the server default (fsync on, synchronous_commit on).
-- Variables come from pgbench -D accounts=N -D amount=A.
\set from random(1, :accounts)
\set to random(1, :accounts - 1)
\if :to >= :from
\set to :to + 1
\endif
\set lo least(:from, :to)
\set hi greatest(:from, :to)
BEGIN;
SELECT id, balance FROM accounts WHERE id IN (:lo, :hi) ORDER BY id FOR UPDATE;
SELECT (balance >= :amount)::int AS funded FROM accounts WHERE id = :from \gset
\if :funded
UPDATE accounts SET balance = balance - :amount WHERE id = :from;
UPDATE accounts SET balance = balance + :amount WHERE id = :to;
INSERT INTO entries (transfer_id, account_id, amount)
  SELECT t.id, v.account_id, v.amount
  FROM (SELECT nextval('transfer_ids') AS id) AS t,
       (VALUES ((:from)::int, -(:amount)::bigint), ((:to)::int, (:amount)::bigint)) AS v (account_id, amount);
\endif
COMMIT;
