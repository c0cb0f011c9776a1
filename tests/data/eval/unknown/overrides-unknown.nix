# Unknown overrides may replace any attribute of the rec set.
(rec { __overrides = builtins.nixVersion; a = 1; }).a
