package dumpgen

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// column is one generated column. Rows below len(edges) take edges[i];
// later rows call gen.
type column struct {
	name  string
	typ   string // MySQL type as SHOW CREATE TABLE prints it
	attrs string // " NOT NULL", " DEFAULT NULL", …
	kind  kind
	fsp   int
	edges []cell
	gen   func(r *rand.Rand, i int64) cell
}

type table struct {
	name   string
	weight int // share of rows when sizing by TargetBytes
	cols   []column
	keys   []string
	autoID bool
}

// nullable wraps gen so that about one value in n is NULL.
func nullable(n int, gen func(r *rand.Rand, i int64) cell) func(r *rand.Rand, i int64) cell {
	return func(r *rand.Rand, i int64) cell {
		if r.IntN(n) == 0 {
			return cNull
		}
		return gen(r, i)
	}
}

const (
	maxDec65 = "99999999999999999999999999999999999.999999999999999999999999999999"
	tinyDec  = "0.000000000000000000000000000001"
	zeroDec  = "0.000000000000000000000000000000"
)

var catalog = []*table{
	{
		name: "PCN_IC", weight: 5, autoID: true,
		cols: []column{
			{name: "id", typ: "int unsigned", attrs: " NOT NULL AUTO_INCREMENT", kind: kInt,
				gen: func(r *rand.Rand, i int64) cell { return cI(i + 1) }},
			{name: "pcn", typ: "char(10)", attrs: " NOT NULL", kind: kString,
				gen: func(r *rand.Rand, i int64) cell { return cS(fmt.Sprintf("HY%08d", 10000000+i)) }},
			{name: "vrm", typ: "varchar(10)", attrs: " DEFAULT NULL", kind: kString,
				edges: []cell{cS(""), cNull, cS("AB12 CDE"), cS("🚗 7 ÅÉ")},
				gen:   nullable(40, func(r *rand.Rand, i int64) cell { return cS(vrm(r)) })},
			{name: "contravention_code", typ: "smallint unsigned", attrs: " NOT NULL", kind: kInt,
				edges: []cell{cI(0), cI(65535)},
				gen: func(r *rand.Rand, i int64) cell {
					return cI([]int64{1, 2, 12, 16, 19, 21, 23, 25, 27, 30, 40, 62}[r.IntN(12)])
				}},
			{name: "contravention_suffix", typ: "char(1)", attrs: " DEFAULT NULL", kind: kString,
				edges: []cell{cS(""), cNull, cS("é")},
				gen: nullable(3, func(r *rand.Rand, i int64) cell {
					return cS(string(rune('a' + r.IntN(26))))
				})},
			{name: "issued_at", typ: "datetime(6)", attrs: " NOT NULL", kind: kDatetime, fsp: 6,
				edges: []cell{
					cT(time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)),
					cT(time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)),
					cT(time.Date(2026, 3, 29, 1, 30, 0, 1000, time.UTC)),
				},
				gen: func(r *rand.Rand, i int64) cell { return cT(randTime(r, true)) }},
			{name: "issue_date", typ: "date", attrs: " DEFAULT NULL", kind: kDate,
				edges: []cell{cZ("0000-00-00"), cZ("2026-00-15"), cS("1000-01-01"), cS("9999-12-31"), cNull, cZ("2026-11-00")},
				gen:   nullable(50, func(r *rand.Rand, i int64) cell { return cS(randDate(r)) })},
			{name: "observed_time", typ: "time(6)", attrs: " DEFAULT NULL", kind: kTime, fsp: 6,
				edges: []cell{cS("-838:59:59.000000"), cS("838:59:59.000000"), cS("00:00:00.000000"), cS("-00:00:01.500000"), cNull, cS("12:00:00.250000")},
				gen:   nullable(30, func(r *rand.Rand, i int64) cell { return cS(randClock(r, 6)) })},
			{name: "status", typ: "enum('open','paid','cancelled','written off','appeal (driver''s)')", attrs: " NOT NULL DEFAULT 'open'", kind: kString,
				edges: []cell{cS("open"), cS("appeal (driver's)"), cS("written off")},
				gen: func(r *rand.Rand, i int64) cell {
					return cS([]string{"open", "open", "paid", "paid", "paid", "cancelled", "written off", "appeal (driver's)"}[r.IntN(8)])
				}},
			{name: "flags", typ: "set('foreign_vehicle','persistent_evader','clamped','removed')", attrs: " DEFAULT NULL", kind: kString,
				edges: []cell{cS(""), cS("foreign_vehicle,persistent_evader,clamped,removed"), cNull, cS("clamped")},
				gen: nullable(2, func(r *rand.Rand, i int64) cell {
					all := []string{"foreign_vehicle", "persistent_evader", "clamped", "removed"}
					var parts []string
					for j, m := 0, r.IntN(16); j < 4; j++ {
						if m&(1<<j) != 0 {
							parts = append(parts, all[j])
						}
					}
					return cS(strings.Join(parts, ","))
				})},
			{name: "amount", typ: "decimal(10,2)", attrs: " NOT NULL", kind: kDecimal,
				edges: []cell{cS("99999999.99"), cS("-99999999.99"), cS("0.00"), cS("0.01"), cS("-0.01")},
				gen: func(r *rand.Rand, i int64) cell {
					return cS([]string{"65.00", "80.00", "110.00", "130.00", "160.00", "195.00"}[r.IntN(6)])
				}},
			{name: "discount_amount", typ: "decimal(10,2)", attrs: " DEFAULT NULL", kind: kDecimal,
				edges: []cell{cNull, cS("12345678.90")},
				gen:   nullable(4, func(r *rand.Rand, i int64) cell { return cS(money(r, 30, 100)) })},
			{name: "is_void", typ: "tinyint(1)", attrs: " NOT NULL DEFAULT '0'", kind: kInt,
				edges: []cell{cI(0), cI(1), cI(2), cI(-1), cI(-128), cI(127)},
				gen: func(r *rand.Rand, i int64) cell {
					if r.IntN(20) == 0 {
						return cI(1)
					}
					return cI(0)
				}},
			{name: "officer_id", typ: "mediumint", attrs: " DEFAULT NULL", kind: kInt,
				edges: []cell{cI(-8388608), cI(8388607), cNull},
				gen:   nullable(50, func(r *rand.Rand, i int64) cell { return cI(int64(1000 + r.IntN(400))) })},
			{name: "location", typ: "point", attrs: " DEFAULT NULL", kind: kBytes,
				edges: []cell{cNull, cB(geomPoint(0, 0, 0)), cB(geomPoint(0, -0.5, 1e300))},
				gen: nullable(10, func(r *rand.Rand, i int64) cell {
					x, y := bng(r)
					return cB(geomPoint(0, x, y))
				})},
			{name: "street", typ: "varchar(255)", attrs: " DEFAULT NULL", kind: kString,
				edges: []cell{
					cS("Mare Street 🚗🅿️ café"),
					cS("O'Brien's \"Yard\" \\ back\\slash"),
					cS("tab\there\nnewline\r\x1a ctrl-Z"),
					cS("nul\x00byte\x00"),
					cS("100% _wild_ %_"),
					cNull,
					cS(""),
				},
				gen: nullable(20, func(r *rand.Rand, i int64) cell { return cS(pick(r, streets)) })},
			{name: "notes", typ: "text", kind: kString,
				edges: []cell{cS(""), cS(strings.Repeat("x", 65535)), cNull, cS("line1\nline2\r\nend\\")},
				gen: nullable(3, func(r *rand.Rand, i int64) cell {
					return cS(sentence(r, 4+r.IntN(25)))
				})},
			{name: "photo_count", typ: "tinyint unsigned", attrs: " DEFAULT NULL", kind: kInt,
				edges: []cell{cI(0), cI(255), cNull},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cI(int64(r.IntN(9))) })},
			{name: "updated_at", typ: "timestamp", attrs: " NULL DEFAULT NULL", kind: kDatetime,
				edges: []cell{
					cT(time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC)),
					cT(time.Date(2038, 1, 19, 3, 14, 7, 0, time.UTC)),
					cZ("0000-00-00 00:00:00"),
					cNull,
				},
				gen: nullable(8, func(r *rand.Rand, i int64) cell { return cT(randTime(r, false)) })},
		},
		keys: []string{"PRIMARY KEY (`id`)", "KEY `idx_pcn_vrm` (`vrm`)", "KEY `idx_pcn_issued` (`issued_at`)"},
	},
	{
		name: "liberator_permit", weight: 2,
		cols: []column{
			{name: "permit_id", typ: "bigint", attrs: " NOT NULL", kind: kInt,
				edges: []cell{cI(math.MinInt64), cI(math.MaxInt64), cI(0)},
				gen:   func(r *rand.Rand, i int64) cell { return cI(500000 + i) }},
			{name: "permit_reference", typ: "varchar(32)", attrs: " NOT NULL", kind: kString,
				gen: func(r *rand.Rand, i int64) cell { return cS(fmt.Sprintf("HYP%07d/%s", 500000+i, letters(r, 2))) }},
			{name: "permit_type", typ: "enum('resident','business','visitor','doctor','carer','disabled')", attrs: " NOT NULL", kind: kString,
				gen: func(r *rand.Rand, i int64) cell {
					return cS([]string{"resident", "resident", "resident", "business", "visitor", "doctor", "carer", "disabled"}[r.IntN(8)])
				}},
			{name: "zone", typ: "char(4)", attrs: " DEFAULT NULL", kind: kString,
				edges: []cell{cS(""), cS("Ω€𝄞🚗"), cNull},
				gen:   nullable(30, func(r *rand.Rand, i int64) cell { return cS(pick(r, zones)) })},
			{name: "start_date", typ: "date", attrs: " NOT NULL", kind: kDate,
				edges: []cell{cS("1000-01-01"), cS("9999-12-31")},
				gen:   func(r *rand.Rand, i int64) cell { return cS(randDate(r)) }},
			{name: "end_date", typ: "date", attrs: " DEFAULT NULL", kind: kDate,
				edges: []cell{cZ("0000-00-00"), cNull, cZ("2025-02-00")},
				gen:   nullable(5, func(r *rand.Rand, i int64) cell { return cS(randDate(r)) })},
			{name: "vrm", typ: "varchar(10)", attrs: " DEFAULT NULL", kind: kString,
				gen: nullable(10, func(r *rand.Rand, i int64) cell { return cS(vrm(r)) })},
			{name: "vehicles_allowed", typ: "tinyint", attrs: " DEFAULT NULL", kind: kInt,
				edges: []cell{cI(-128), cI(127), cNull},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cI(int64(1 + r.IntN(3))) })},
			{name: "fee", typ: "decimal(10,2)", attrs: " DEFAULT NULL", kind: kDecimal,
				edges: []cell{cNull, cS("0.00")},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cS(money(r, 20, 500)) })},
			{name: "uprn", typ: "bigint unsigned", attrs: " DEFAULT NULL", kind: kUint,
				edges: []cell{cU(0), cU(math.MaxUint64), cU(1 << 63), cNull},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cU(100000000000 + uint64(r.Int64N(9e9))) })},
			{name: "hours_mask", typ: "bit(12)", attrs: " DEFAULT NULL", kind: kBytes,
				edges: []cell{cB([]byte{0, 0}), cB([]byte{0x0f, 0xff}), cB([]byte{0x08, 0x00}), cNull},
				gen: nullable(5, func(r *rand.Rand, i int64) cell {
					v := r.IntN(4096)
					return cB([]byte{byte(v >> 8), byte(v)})
				})},
			{name: "approved", typ: "bit(1)", attrs: " DEFAULT NULL", kind: kBytes,
				edges: []cell{cB([]byte{0}), cB([]byte{1}), cNull},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cB([]byte{byte(r.IntN(2))}) })},
			{name: "application", typ: "json", attrs: " DEFAULT NULL", kind: kString,
				edges: []cell{cS("{}"), cS("[]"), cS("null"), cS(`{"note": "he said \"hi\" \\ ok", "emoji": "🚗"}`), cNull},
				gen: nullable(5, func(r *rand.Rand, i int64) cell {
					// MySQL's normal form: keys by length then bytes, ", " and ": ".
					return cS(fmt.Sprintf(`{"zone": %q, "proofs": ["council_tax", "v5c"], "verified": %t, "applicant_id": %d}`,
						pick(r, zones), r.IntN(2) == 0, 10000+r.IntN(90000)))
				})},
			{name: "first_registered", typ: "year", attrs: " DEFAULT NULL", kind: kYear,
				edges: []cell{cI(1901), cI(2155), cI(0), cNull},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cI(int64(2000 + r.IntN(27))) })},
			{name: "created", typ: "datetime", attrs: " DEFAULT NULL", kind: kDatetime,
				edges: []cell{cZ("0000-00-00 00:00:00"), cNull, cT(time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC))},
				gen:   nullable(50, func(r *rand.Rand, i int64) cell { return cT(randTime(r, false)) })},
		},
		keys: []string{"PRIMARY KEY (`permit_id`)", "UNIQUE KEY `uk_permit_reference` (`permit_reference`)"},
	},
	{
		name: "liberator_pcn_payments", weight: 3,
		cols: []column{
			{name: "payment_id", typ: "bigint unsigned", attrs: " NOT NULL", kind: kUint,
				edges: []cell{cU(math.MaxUint64), cU(0)},
				gen:   func(r *rand.Rand, i int64) cell { return cU(uint64(7000000 + i)) }},
			{name: "pcn", typ: "char(10)", attrs: " NOT NULL", kind: kString,
				gen: func(r *rand.Rand, i int64) cell { return cS(fmt.Sprintf("HY%08d", 10000000+r.Int64N(1000000))) }},
			{name: "amount", typ: "decimal(10,2)", attrs: " NOT NULL", kind: kDecimal,
				edges: []cell{cS("-99999999.99"), cS("99999999.99")},
				gen:   func(r *rand.Rand, i int64) cell { return cS(money(r, 30, 200)) }},
			{name: "ledger_balance", typ: "decimal(65,30)", attrs: " DEFAULT NULL", kind: kDecimal,
				edges: []cell{cS(maxDec65), cS("-" + maxDec65), cS(tinyDec), cS(zeroDec), cNull, cS("-" + tinyDec)},
				gen: nullable(10, func(r *rand.Rand, i int64) cell {
					sign := ""
					if r.IntN(5) == 0 {
						sign = "-"
					}
					return cS(fmt.Sprintf("%s%d.%s", sign, r.Int64N(1e10), digits(r, 30)))
				})},
			{name: "vat_rate", typ: "decimal(5,4)", attrs: " DEFAULT NULL", kind: kDecimal,
				edges: []cell{cS("9.9999"), cS("-9.9999"), cS("0.0000"), cNull},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cS([]string{"0.2000", "0.0500", "0.0000"}[r.IntN(3)]) })},
			{name: "lifetime_paid", typ: "decimal(38,10)", attrs: " DEFAULT NULL", kind: kDecimal,
				edges: []cell{cS("9999999999999999999999999999.9999999999"), cS("-9999999999999999999999999999.9999999999"), cS("0.0000000001"), cNull},
				gen: nullable(10, func(r *rand.Rand, i int64) cell {
					return cS(fmt.Sprintf("%d.%s", r.Int64N(1e12), digits(r, 10)))
				})},
			{name: "paid_at", typ: "timestamp", attrs: " NOT NULL DEFAULT CURRENT_TIMESTAMP", kind: kDatetime,
				edges: []cell{cT(time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC)), cT(time.Date(2038, 1, 19, 3, 14, 7, 0, time.UTC))},
				gen:   func(r *rand.Rand, i int64) cell { return cT(randTime(r, false)) }},
			{name: "channel", typ: "enum('web','ivr','post','cash','card_terminal')", attrs: " DEFAULT NULL", kind: kString,
				edges: []cell{cNull, cS("card_terminal")},
				gen: nullable(20, func(r *rand.Rand, i int64) cell {
					return cS([]string{"web", "web", "web", "ivr", "post", "cash", "card_terminal"}[r.IntN(7)])
				})},
			{name: "card_last4", typ: "char(4)", attrs: " DEFAULT NULL", kind: kString,
				gen: nullable(4, func(r *rand.Rand, i int64) cell { return cS(digits(r, 4)) })},
			{name: "transaction_ref", typ: "binary(16)", attrs: " DEFAULT NULL", kind: kBytes,
				edges: []cell{cB(make([]byte, 16)), cB(bytes.Repeat([]byte{0xff}, 16)), cB([]byte("'\\\"\n\r\x1a\x00abcdefghi")), cNull},
				gen:   nullable(20, func(r *rand.Rand, i int64) cell { return cB(randBytes(r, 16)) })},
			{name: "receipt", typ: "longblob", kind: kBytes,
				edges: []cell{cB(randBytes(rand.New(rand.NewPCG(1, 2)), 300*1024)), cB([]byte{}), cNull, cB([]byte{0})},
				gen: func(r *rand.Rand, i int64) cell {
					if r.IntN(10) != 0 {
						return cNull
					}
					return cB(append([]byte("%PDF-1.4\n"), randBytes(r, 200+r.IntN(1800))...))
				}},
			{name: "fx_rate", typ: "double", attrs: " DEFAULT NULL", kind: kDouble,
				edges: []cell{cF(0), cF(math.Copysign(0, -1)), cF(math.MaxFloat64), cF(-math.MaxFloat64), cF(2.2250738585072014e-308), cNull, cF(math.Pi)},
				gen: nullable(5, func(r *rand.Rand, i int64) cell {
					return cF(math.Round((0.8+r.Float64()*0.6)*1e6) / 1e6)
				})},
			{name: "fee_rate", typ: "float", attrs: " DEFAULT NULL", kind: kFloat,
				edges: []cell{cS("0"), cS("-0"), cS("3.40282e38"), cS("-3.40282e38"), cS("1.17549e-38"), cS("0.1"), cNull},
				gen: nullable(5, func(r *rand.Rand, i int64) cell {
					return cS(fmt.Sprintf("%d.%03d", r.IntN(3), r.IntN(1000)))
				})},
			{name: "reconciled", typ: "tinyint(1)", attrs: " DEFAULT NULL", kind: kInt,
				edges: []cell{cI(2), cI(-1), cNull},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cI(int64(r.IntN(2))) })},
			{name: "card_hash", typ: "varbinary(64)", attrs: " DEFAULT NULL", kind: kBytes,
				edges: []cell{cB([]byte{}), cB([]byte{0, 0, 0}), cB([]byte("\\'\"\x1a")), cNull},
				gen:   nullable(4, func(r *rand.Rand, i int64) cell { return cB(randBytes(r, 32)) })},
		},
		keys: []string{"PRIMARY KEY (`payment_id`)", "KEY `idx_payment_pcn` (`pcn`)"},
	},
	{
		name: "liberator_fpn_tickets", weight: 1,
		cols: []column{
			{name: "ticket_id", typ: "int", attrs: " NOT NULL", kind: kInt,
				edges: []cell{cI(math.MinInt32), cI(math.MaxInt32), cI(0)},
				gen:   func(r *rand.Rand, i int64) cell { return cI(200000 + i) }},
			{name: "offence", typ: "varchar(64)", attrs: " DEFAULT NULL", kind: kString,
				gen: nullable(30, func(r *rand.Rand, i int64) cell { return cS(pick(r, offence)) })},
			{name: "offence_location", typ: "geometry", attrs: " DEFAULT NULL", kind: kBytes,
				edges: []cell{
					cB(geomLine(0, [2]float64{533000, 184000}, [2]float64{533100.5, 184050.25})),
					cB(geomPolygon(0, [2]float64{0, 0}, [2]float64{1, 0}, [2]float64{1, 1}, [2]float64{0, 0})),
					cNull,
				},
				gen: nullable(10, func(r *rand.Rand, i int64) cell {
					x, y := bng(r)
					return cB(geomPoint(0, x, y))
				})},
			{name: "issued", typ: "datetime", attrs: " DEFAULT NULL", kind: kDatetime,
				edges: []cell{cT(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)), cZ("0000-00-00 00:00:00"), cNull},
				gen:   nullable(40, func(r *rand.Rand, i int64) cell { return cT(randTime(r, false)) })},
			{name: "amount", typ: "decimal(10,2)", attrs: " DEFAULT NULL", kind: kDecimal,
				gen: nullable(40, func(r *rand.Rand, i int64) cell {
					return cS([]string{"100.00", "150.00", "400.00", "80.00"}[r.IntN(4)])
				})},
			{name: "officer_notes", typ: "mediumtext", kind: kString,
				edges: []cell{cS(longText(300 * 1024)), cS(""), cNull, cS("emoji 👮‍♀️🚮 and ‘quotes’")},
				gen: nullable(4, func(r *rand.Rand, i int64) cell {
					return cS(sentence(r, 10+r.IntN(60)))
				})},
			{name: "evidence", typ: "blob", kind: kBytes,
				edges: []cell{cB(randBytes(rand.New(rand.NewPCG(3, 4)), 65535)), cB([]byte{}), cB([]byte{0, '\\', 0}), cNull},
				gen: func(r *rand.Rand, i int64) cell {
					if r.IntN(5) != 0 {
						return cNull
					}
					return cB(randBytes(r, 64+r.IntN(512)))
				}},
			{name: "officer_code", typ: "int unsigned", attrs: " DEFAULT NULL", kind: kInt,
				edges: []cell{cI(0), cI(math.MaxUint32), cNull},
				gen:   nullable(20, func(r *rand.Rand, i int64) cell { return cI(int64(3000 + r.IntN(200))) })},
			{name: "witnessed_at", typ: "time", attrs: " DEFAULT NULL", kind: kTime,
				edges: []cell{cS("-838:59:59"), cS("838:59:59"), cS("-00:00:01"), cNull},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cS(randClock(r, 0)) })},
		},
		keys: []string{"PRIMARY KEY (`ticket_id`)"},
	},
	{
		name: "vehicles", weight: 2,
		cols: []column{
			{name: "vrm", typ: "varchar(10)", attrs: " NOT NULL", kind: kString,
				gen: func(r *rand.Rand, i int64) cell { return cS(vrmOf(i)) }},
			{name: "make", typ: "varchar(32)", attrs: " DEFAULT NULL", kind: kString,
				gen: nullable(30, func(r *rand.Rand, i int64) cell { return cS(pick(r, makes)) })},
			{name: "model", typ: "varchar(64)", attrs: " DEFAULT NULL", kind: kString,
				gen: nullable(30, func(r *rand.Rand, i int64) cell { return cS(pick(r, models)) })},
			{name: "colour", typ: "varchar(20)", attrs: " DEFAULT NULL", kind: kString,
				gen: nullable(30, func(r *rand.Rand, i int64) cell { return cS(pick(r, colours)) })},
			{name: "engine_cc", typ: "mediumint unsigned", attrs: " DEFAULT NULL", kind: kInt,
				edges: []cell{cI(0), cI(16777215), cNull},
				gen:   nullable(20, func(r *rand.Rand, i int64) cell { return cI(int64(900 + r.IntN(2200))) })},
			{name: "mileage", typ: "int unsigned", attrs: " DEFAULT NULL", kind: kInt,
				edges: []cell{cI(math.MaxUint32), cI(0)},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cI(int64(r.IntN(200000))) })},
			{name: "year_of_manufacture", typ: "year", attrs: " DEFAULT NULL", kind: kYear,
				gen: nullable(20, func(r *rand.Rand, i int64) cell { return cI(int64(1990 + r.IntN(37))) })},
			{name: "co2", typ: "smallint", attrs: " DEFAULT NULL", kind: kInt,
				edges: []cell{cI(-32768), cI(32767), cNull},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cI(int64(r.IntN(300))) })},
			{name: "weight_kg", typ: "int", attrs: " DEFAULT NULL", kind: kInt,
				edges: []cell{cI(math.MinInt32), cI(math.MaxInt32)},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cI(int64(800 + r.IntN(2500))) })},
			{name: "keeper_since", typ: "date", attrs: " DEFAULT NULL", kind: kDate,
				edges: []cell{cZ("0000-00-00"), cNull},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cS(randDate(r)) })},
			{name: "last_seen", typ: "datetime(6)", attrs: " DEFAULT NULL", kind: kDatetime, fsp: 6,
				edges: []cell{cZ("0000-00-00 00:00:00.000000"), cT(time.Date(2026, 11, 24, 0, 0, 0, 1000, time.UTC)), cNull},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cT(randTime(r, true)) })},
			{name: "tax_status", typ: "set('taxed','sorn','untaxed','mot_due')", attrs: " DEFAULT NULL", kind: kString,
				edges: []cell{cS(""), cS("taxed,mot_due")},
				gen: nullable(10, func(r *rand.Rand, i int64) cell {
					return cS([]string{"taxed", "taxed", "sorn", "untaxed", "taxed,mot_due"}[r.IntN(5)])
				})},
			{name: "odometer_raw", typ: "bigint", attrs: " DEFAULT NULL", kind: kInt,
				edges: []cell{cI(math.MinInt64), cI(math.MaxInt64), cI(-1)},
				gen:   nullable(10, func(r *rand.Rand, i int64) cell { return cI(r.Int64()) })},
		},
		keys: []string{"PRIMARY KEY (`vrm`)"},
	},
}

// viewSQL and triggerSQL are written for PCN_IC; converters skip them.
const (
	viewName    = "v_open_pcns"
	triggerName = "trg_pcn_ic_before_update"
)
