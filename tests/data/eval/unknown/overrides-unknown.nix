# Unknown overrides may replace any attribute of the rec set.
(rec { __overrides = builtins.currentSystem; a = 1; }).a
