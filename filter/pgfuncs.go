package filter

// PostgresFunctions returns the CREATE OR REPLACE FUNCTION statements the
// PostgreSQL SQL of this package relies on, in dependency order. The
// postgres store runs them (each as one statement) in its migrations; they
// are idempotent. They exist so that PostgreSQL compares, converts and
// formats values the way SQLite does, returning NULL where a cast would
// raise an error. None of them contains a '?'.
func PostgresFunctions() []string {
	return append([]string(nil), pgFunctions...)
}

var pgFunctions = []string{
	// plinth_isnum: would SQLite's numeric affinity turn t into a number?
	`CREATE OR REPLACE FUNCTION plinth_isnum(t text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT length(t) <= 1000 AND t ~ '^[[:space:]]*[+-]{0,1}([0-9]+([.][0-9]*){0,1}|[.][0-9]+)([eE][+-]{0,1}[0-9]{1,4}){0,1}[[:space:]]*$'
$fn$`,

	// plinth_n2f: numeric to double precision, saturating instead of failing.
	`CREATE OR REPLACE FUNCTION plinth_n2f(n numeric) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE
  WHEN n IS NULL THEN NULL
  WHEN abs(n) > 1.7976931348623157e308 THEN sign(n)::double precision * 'Infinity'::double precision
  WHEN abs(n) < 2.2250738585072014e-308 THEN 0::double precision
  ELSE n::double precision END
$fn$`,

	// plinth_num: the number in t, or NULL when SQLite would keep it text.
	`CREATE OR REPLACE FUNCTION plinth_num(t text) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE WHEN plinth_isnum(t) THEN plinth_n2f(trim(t, E' \t\n\r\f\v')::numeric) END
$fn$`,

	// plinth_realtext: a double rendered like a SQLite REAL ("100.0", "1.0e+20").
	`CREATE OR REPLACE FUNCTION plinth_realtext(x double precision) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE
  WHEN x IS NULL THEN NULL
  WHEN x = 'Infinity'::double precision THEN 'Inf'
  WHEN x = '-Infinity'::double precision THEN '-Inf'
  WHEN x::text ~ '^-{0,1}[0-9]+$' THEN x::text || '.0'
  ELSE regexp_replace(x::text, '^(-{0,1}[0-9]+)e', '\1.0e') END
$fn$`,

	// plinth_ftext: a number column rendered as SQLite renders a NUMERIC
	// value: integers without a fraction, other values as REAL.
	`CREATE OR REPLACE FUNCTION plinth_ftext(x double precision) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE
  WHEN x IS NULL THEN NULL
  WHEN x = trunc(x) AND abs(x) < 9e18 THEN x::numeric::bigint::text
  ELSE plinth_realtext(x) END
$fn$`,

	// plinth_json_text: compact JSON text, as SQLite stores and returns it.
	`CREATE OR REPLACE FUNCTION plinth_json_text(j jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE r text;
BEGIN
  IF j IS NULL THEN RETURN NULL; END IF;
  CASE jsonb_typeof(j)
  WHEN 'array' THEN
    SELECT '[' || COALESCE(string_agg(plinth_json_text(e), ',' ORDER BY i), '') || ']' INTO r
      FROM jsonb_array_elements(j) WITH ORDINALITY AS x(e, i);
    RETURN r;
  WHEN 'object' THEN
    SELECT '{' || COALESCE(string_agg(to_jsonb(k)::text || ':' || plinth_json_text(v), ',' ORDER BY i), '') || '}' INTO r
      FROM jsonb_each(j) WITH ORDINALITY AS x(k, v, i);
    RETURN r;
  ELSE
    RETURN j::text;
  END CASE;
END
$fn$`,

	// plinth_jcls: SQLite storage class of a JSON value read with
	// json_extract: 1 number (true/false are 1/0), 2 text, NULL for null.
	`CREATE OR REPLACE FUNCTION plinth_jcls(j jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE jsonb_typeof(j)
  WHEN 'number' THEN 1 WHEN 'boolean' THEN 1
  WHEN 'string' THEN 2 WHEN 'array' THEN 2 WHEN 'object' THEN 2 END
$fn$`,

	// plinth_jn: the number of a JSON number or boolean, else NULL.
	`CREATE OR REPLACE FUNCTION plinth_jn(j jsonb) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE jsonb_typeof(j)
  WHEN 'number' THEN plinth_n2f(j::numeric)
  WHEN 'boolean' THEN CASE WHEN j = 'true'::jsonb THEN 1::double precision ELSE 0::double precision END END
$fn$`,

	// plinth_jt: the text of a JSON string (arrays and objects: their JSON), else NULL.
	`CREATE OR REPLACE FUNCTION plinth_jt(j jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE jsonb_typeof(j)
  WHEN 'string' THEN j #>> '{}'
  WHEN 'array' THEN plinth_json_text(j) WHEN 'object' THEN plinth_json_text(j) END
$fn$`,

	// plinth_js: any JSON value as the text SQLite would make of it.
	`CREATE OR REPLACE FUNCTION plinth_js(j jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE jsonb_typeof(j)
  WHEN 'string' THEN j #>> '{}'
  WHEN 'number' THEN CASE WHEN j::text ~ '^-{0,1}[0-9]{1,18}$' THEN j::text ELSE plinth_realtext(plinth_n2f(j::numeric)) END
  WHEN 'boolean' THEN CASE WHEN j = 'true'::jsonb THEN '1' ELSE '0' END
  WHEN 'array' THEN plinth_json_text(j) WHEN 'object' THEN plinth_json_text(j) END
$fn$`,

	// plinth_jempty: NULL, JSON null or "" (what '' = COALESCE(x, '') matches in SQLite).
	`CREATE OR REPLACE FUNCTION plinth_jempty(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT j IS NULL OR jsonb_typeof(j) = 'null' OR j = '""'::jsonb
$fn$`,

	// plinth_numaff / plinth_textaff: SQLite's numeric and text affinity
	// applied to a value carried as jsonb.
	`CREATE OR REPLACE FUNCTION plinth_numaff(j jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE WHEN jsonb_typeof(j) = 'string' AND plinth_isnum(j #>> '{}')
  THEN to_jsonb(plinth_num(j #>> '{}')) ELSE j END
$fn$`,
	`CREATE OR REPLACE FUNCTION plinth_textaff(j jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE WHEN jsonb_typeof(j) IN ('number', 'boolean') THEN to_jsonb(plinth_js(j)) ELSE j END
$fn$`,

	// plinth_cmp: compares two values as SQLite does (-1, 0, 1; NULL when
	// either is NULL): numbers before text, text byte-wise.
	`CREATE OR REPLACE FUNCTION plinth_cmp(a jsonb, b jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE
  WHEN plinth_jcls(a) IS NULL OR plinth_jcls(b) IS NULL THEN NULL
  WHEN plinth_jcls(a) < plinth_jcls(b) THEN -1
  WHEN plinth_jcls(a) > plinth_jcls(b) THEN 1
  WHEN plinth_jcls(a) = 1 THEN
    CASE WHEN plinth_jn(a) < plinth_jn(b) THEN -1 WHEN plinth_jn(a) > plinth_jn(b) THEN 1 ELSE 0 END
  ELSE
    CASE WHEN plinth_jt(a) COLLATE "C" < plinth_jt(b) COLLATE "C" THEN -1
         WHEN plinth_jt(a) = plinth_jt(b) THEN 0 ELSE 1 END
END
$fn$`,

	// plinth_alower: ASCII-only lower(), like SQLite's.
	`CREATE OR REPLACE FUNCTION plinth_alower(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT translate(t, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
$fn$`,

	// plinth_jlen: json_array_length (0 for a non-array, NULL for NULL).
	`CREATE OR REPLACE FUNCTION plinth_jlen(j jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE WHEN j IS NULL THEN NULL WHEN jsonb_typeof(j) = 'array' THEN jsonb_array_length(j) ELSE 0 END
$fn$`,

	// plinth_jeach: the elements of a JSON array as text, like json_each;
	// a scalar is its own single element.
	`CREATE OR REPLACE FUNCTION plinth_jeach(j jsonb) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT x FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(j) = 'array' THEN j ELSE '[]'::jsonb END) AS t(x)
UNION ALL
SELECT plinth_js(j) WHERE jsonb_typeof(j) IN ('string', 'number', 'boolean')
$fn$`,

	// plinth_geo_distance: Haversine distance in km, as geoDistance() on SQLite.
	// PostgreSQL raises errors where SQLite's math gives NaN (then NULL):
	// infinite input, overflowing differences, sqrt of a rounding-negative
	// value; those are NULL here too. It also raises on float underflow,
	// so magnitudes below 1e-100 (a few nanometres at most) count as 0.
	`CREATE OR REPLACE FUNCTION plinth_geo_distance(lon_a double precision, lat_a double precision, lon_b double precision, lat_b double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT CASE WHEN h >= 0 THEN 12742.0 * asin(least(1.0, sqrt(h))) END
FROM (SELECT CASE WHEN abs(lon_a) < 1e-100 THEN 0 ELSE lon_a END AS oa, CASE WHEN abs(lat_a) < 1e-100 THEN 0 ELSE lat_a END AS la,
    CASE WHEN abs(lon_b) < 1e-100 THEN 0 ELSE lon_b END AS ob, CASE WHEN abs(lat_b) < 1e-100 THEN 0 ELSE lat_b END AS lb) AS v,
  LATERAL (SELECT power(sin(radians(lb - la) / 2), 2) + cos(radians(la)) * cos(radians(lb)) * power(sin(radians(ob - oa) / 2), 2) AS h
    WHERE abs(lb / 2 - la / 2) < 8.98846567431158e307 AND abs(ob / 2 - oa / 2) < 8.98846567431158e307) AS hav
$fn$`,

	// plinth_strftime: SQLite's strftime(format, time, modifiers...) for the
	// common conversions and modifiers, in UTC; '' where SQLite gives NULL.
	`CREATE OR REPLACE FUNCTION plinth_strftime(fmt text, val text, VARIADIC mods text[] DEFAULT '{}')
RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE
  ts timestamp;
  m text[];
  n double precision;
  md text;
  i integer;
  c text;
  piece text;
  res text := '';
  amount double precision;
  whole integer;
  y integer; mo integer; d integer;
  tod interval;
BEGIN
  IF fmt IS NULL OR val IS NULL THEN RETURN ''; END IF;
  val := trim(val, E' \t\n\r\f\v');
  IF lower(val) = 'now' THEN
    ts := now() AT TIME ZONE 'UTC';
  ELSIF plinth_isnum(val) THEN
    n := plinth_num(val);
    IF coalesce(array_length(mods, 1), 0) >= 1 AND lower(trim(mods[1])) = 'unixepoch' THEN
      IF n < -62135596800 OR n > 253402300799 THEN RETURN ''; END IF;
      ts := to_timestamp(n) AT TIME ZONE 'UTC';
      mods := mods[2:];
    ELSE
      IF n < 1721425.5 OR n > 5373484.5 THEN RETURN ''; END IF;
      ts := to_timestamp((n - 2440587.5) * 86400.0) AT TIME ZONE 'UTC';
    END IF;
  ELSE
    m := regexp_match(val, '^([0-9]{4})-([0-9]{2})-([0-9]{2})([ T]([0-9]{2}):([0-9]{2})(:([0-9]{2})([.][0-9]+){0,1}){0,1}){0,1}[[:space:]]*([Zz]|[+-][0-9]{2}:[0-9]{2}){0,1}$');
    IF m IS NULL THEN
      m := regexp_match(val, '^()()()(([0-9]{2}):([0-9]{2})(:([0-9]{2})([.][0-9]+){0,1}){0,1})[[:space:]]*([Zz]|[+-][0-9]{2}:[0-9]{2}){0,1}$');
      IF m IS NULL THEN RETURN ''; END IF;
      m[1] := '2000'; m[2] := '01'; m[3] := '01';
    END IF;
    y := m[1]::integer; mo := m[2]::integer; d := m[3]::integer;
    IF y < 1 OR mo < 1 OR mo > 12 OR d < 1 OR d > 31
       OR coalesce(m[5], '0')::integer > 23 OR coalesce(m[6], '0')::integer > 59 OR coalesce(m[8], '0')::integer > 59 THEN
      RETURN '';
    END IF;
    ts := make_date(y, mo, 1) + (d - 1) * interval '1 day'
      + make_interval(hours => coalesce(m[5], '0')::integer, mins => coalesce(m[6], '0')::integer,
                      secs => coalesce(m[8], '0')::integer + coalesce(('0' || m[9])::double precision, 0));
    IF m[10] IS NOT NULL AND m[10] NOT IN ('Z', 'z') THEN
      tod := make_interval(hours => substr(m[10], 2, 2)::integer, mins => substr(m[10], 5, 2)::integer);
      IF substr(m[10], 1, 1) = '+' THEN ts := ts - tod; ELSE ts := ts + tod; END IF;
    END IF;
  END IF;
  FOREACH md IN ARRAY mods LOOP
    md := lower(trim(md, E' \t\n\r\f\v'));
    IF md IS NULL THEN RETURN ''; END IF;
    IF md = 'start of day' THEN ts := date_trunc('day', ts);
    ELSIF md = 'start of month' THEN ts := date_trunc('month', ts);
    ELSIF md = 'start of year' THEN ts := date_trunc('year', ts);
    ELSIF md IN ('utc', 'localtime', 'subsec', 'subsecond') THEN NULL; -- times are UTC already
    ELSIF md ~ '^weekday [0-6]$' THEN
      ts := ts + ((substr(md, 9)::integer - extract(dow FROM ts)::integer + 7) % 7) * interval '1 day';
    ELSE
      m := regexp_match(md, '^([+-]{0,1}([0-9]+([.][0-9]*){0,1}|[.][0-9]+))[[:space:]]+(day|hour|minute|second|month|year)s{0,1}$');
      IF m IS NULL OR length(m[1]) > 12 THEN RETURN ''; END IF;
      amount := m[1]::double precision;
      -- Shifts that leave years 1-9999 give '' (SQLite: NULL); checked
      -- before the arithmetic, which would raise an error first.
      IF m[4] IN ('month', 'year') THEN
        IF abs(amount) > 200000 THEN RETURN ''; END IF;
      ELSE
        n := extract(epoch FROM ts)::double precision + amount * CASE m[4] WHEN 'day' THEN 86400 WHEN 'hour' THEN 3600 WHEN 'minute' THEN 60 ELSE 1 END;
        IF n < -62135596800 OR n >= 253402300800 THEN RETURN ''; END IF;
      END IF;
      CASE m[4]
      WHEN 'day' THEN ts := ts + amount * interval '1 day';
      WHEN 'hour' THEN ts := ts + amount * interval '1 hour';
      WHEN 'minute' THEN ts := ts + amount * interval '1 minute';
      WHEN 'second' THEN ts := ts + amount * interval '1 second';
      ELSE
        -- Whole months/years move the date, keeping the day (overflowing
        -- into the next month as SQLite does); a fraction adds days.
        whole := trunc(amount)::integer;
        IF m[4] = 'year' THEN whole := whole * 12; END IF;
        tod := ts - date_trunc('day', ts);
        y := extract(year FROM ts)::integer; mo := extract(month FROM ts)::integer; d := extract(day FROM ts)::integer;
        mo := mo - 1 + whole;
        y := y + floor(mo / 12.0)::integer;
        mo := mo - floor(mo / 12.0)::integer * 12 + 1;
        IF y < 1 OR y > 9999 THEN RETURN ''; END IF;
        ts := make_date(y, mo, 1) + (d - 1) * interval '1 day' + tod;
        IF m[4] = 'year' THEN
          ts := ts + (amount - trunc(amount)) * 365 * interval '1 day';
        ELSE
          ts := ts + (amount - trunc(amount)) * 30 * interval '1 day';
        END IF;
      END CASE;
    END IF;
    IF ts < '0001-01-01'::timestamp OR ts >= '10000-01-01'::timestamp THEN RETURN ''; END IF;
  END LOOP;
  i := 1;
  WHILE i <= length(fmt) LOOP
    c := substr(fmt, i, 1);
    i := i + 1;
    IF c <> '%' THEN res := res || c; CONTINUE; END IF;
    c := substr(fmt, i, 1);
    i := i + 1;
    piece := CASE c
      WHEN 'd' THEN to_char(ts, 'DD')
      WHEN 'e' THEN lpad(extract(day FROM ts)::integer::text, 2, ' ')
      WHEN 'f' THEN to_char(ts, 'SS') || '.' || to_char(ts, 'MS')
      WHEN 'F' THEN to_char(ts, 'YYYY-MM-DD')
      WHEN 'H' THEN to_char(ts, 'HH24')
      WHEN 'I' THEN to_char(ts, 'HH12')
      WHEN 'j' THEN to_char(ts, 'DDD')
      WHEN 'J' THEN (extract(epoch FROM ts)::double precision / 86400.0 + 2440587.5)::text
      WHEN 'k' THEN lpad(extract(hour FROM ts)::integer::text, 2, ' ')
      WHEN 'l' THEN lpad(to_char(ts, 'FMHH12'), 2, ' ')
      WHEN 'm' THEN to_char(ts, 'MM')
      WHEN 'M' THEN to_char(ts, 'MI')
      WHEN 'p' THEN to_char(ts, 'AM')
      WHEN 'P' THEN lower(to_char(ts, 'AM'))
      WHEN 'R' THEN to_char(ts, 'HH24:MI')
      WHEN 's' THEN floor(extract(epoch FROM ts))::bigint::text
      WHEN 'S' THEN to_char(ts, 'SS')
      WHEN 'T' THEN to_char(ts, 'HH24:MI:SS')
      WHEN 'u' THEN extract(isodow FROM ts)::integer::text
      WHEN 'w' THEN extract(dow FROM ts)::integer::text
      WHEN 'W' THEN lpad(((extract(doy FROM ts)::integer + 6 - ((extract(dow FROM ts)::integer + 6) % 7)) / 7)::text, 2, '0')
      WHEN 'U' THEN lpad(((extract(doy FROM ts)::integer + 6 - extract(dow FROM ts)::integer) / 7)::text, 2, '0')
      WHEN 'V' THEN to_char(ts, 'IW')
      WHEN 'G' THEN to_char(ts, 'IYYY')
      WHEN 'g' THEN to_char(ts, 'IY')
      WHEN 'Y' THEN to_char(ts, 'YYYY')
      WHEN '%' THEN '%'
    END;
    IF piece IS NULL THEN RETURN ''; END IF;
    res := res || piece;
  END LOOP;
  RETURN res;
END
$fn$`,
}
