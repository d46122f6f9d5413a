-- A stand-in for the national population when vigie_bench_national is not at hand: 4,000,000
-- verified residents in 1,000 communes of 4 neighbourhoods, one commune (id 1) holding 100,000 of
-- them interleaved with everybody else's (every 40th account), as residents who register over
-- the years are: a commune's accounts, homes and preferences are spread over the whole tables.
-- Into a migrated, empty database of one's own, then:
--   BENCH_NATIONAL_DATABASE_URL=postgis://vigie:vigie@127.0.0.1:5432/DB .venv/bin/python bench/broadcast_national.py
-- Foreign keys are not checked while loading (the rows are consistent by construction).
SET synchronous_commit = off;
SET session_replication_role = replica;
INSERT INTO zones_commune (id, code, name, boundary, metric_srid, adopted_on)
SELECT c, lpad(c::text, 5, '0'), 'C' || c,
       ST_Multi(ST_MakeEnvelope((c % 100) * 0.1, (c / 100) * 0.1, (c % 100) * 0.1 + 0.1, (c / 100) * 0.1 + 0.1, 4326)),
       2154, CASE WHEN c = 1 THEN current_date END
FROM generate_series(1, 1000) c;
INSERT INTO zones_zone (id, kind, name, boundary, commune_id)
SELECT c * 4 + k, 'neighbourhood', 'Q' || c || '-' || k,
       ST_Multi(ST_MakeEnvelope((c % 100) * 0.1 + (k % 2) * 0.05, (c / 100) * 0.1 + (k / 2) * 0.05,
                                (c % 100) * 0.1 + (k % 2) * 0.05 + 0.05, (c / 100) * 0.1 + (k / 2) * 0.05 + 0.05, 4326)), c
FROM generate_series(1, 1000) c, generate_series(0, 3) k;
INSERT INTO zones_zonepart (zone_id, kind, geom) SELECT id, kind, (ST_Dump(boundary)).geom FROM zones_zone;
CREATE TEMP TABLE h AS
SELECT i, CASE WHEN i % 40 = 0 THEN 1 ELSE 2 + (i % 999) END AS commune_id, (i / 7) % 4 AS k
FROM generate_series(1, 4000000) i;
INSERT INTO accounts_user (id, password, is_superuser, email, display_name, is_active, is_staff, date_joined)
SELECT i, '!', false, 'u' || i || '@x.invalid', 'U' || i, true, false, now() FROM h;
INSERT INTO accounts_residence (id, address, home, status, rejection_reason, commune_id, user_id, neighbourhood_id)
SELECT i, 'a', ST_SetSRID(ST_MakePoint((commune_id % 100) * 0.1 + (k % 2) * 0.05 + 0.02,
                                       (commune_id / 100) * 0.1 + (k / 2) * 0.05 + 0.02), 4326),
       'verified', '', commune_id, i, commune_id * 4 + k FROM h;
INSERT INTO accounts_residenceneighbourhood (id, residence_id, zone_id) SELECT i, i, commune_id * 4 + k FROM h;
INSERT INTO alerts_notificationpreference (id, by_email, by_sms, phone_number, prevention_notices, user_id, by_push)
SELECT i, true, i % 10 = 0, CASE WHEN i % 5 = 0 THEN '+3361' || lpad(i::text, 7, '0') ELSE '' END, true, i, i % 3 = 0
FROM h;
SET session_replication_role = origin;
SELECT setval(pg_get_serial_sequence(t, 'id'), 5000000)
FROM unnest(ARRAY['accounts_user', 'accounts_residence', 'accounts_residenceneighbourhood',
                  'alerts_notificationpreference', 'zones_zone', 'zones_commune']) t;
VACUUM ANALYZE accounts_user, accounts_residence, accounts_residenceneighbourhood, alerts_notificationpreference,
               zones_zone, zones_zonepart, zones_commune;
