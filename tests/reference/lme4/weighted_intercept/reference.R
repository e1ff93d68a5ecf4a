# lme4 reference for afgehaakt/models/weighted_intercept.py: lmer with precision weights (scaled to mean 1, as
# the Python code scales them), REML and ML, null model and model with covariates. Writes results.json.
library(lme4)
library(jsonlite)
d <- read.csv("data.csv")
d$w <- d$votes / mean(d$votes)
fit <- function(formula, reml) {
  m <- lmer(formula, data = d, weights = w, REML = reml,
            control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.2, rhoend = 1e-12)))
  vc <- as.data.frame(VarCorr(m))
  list(coefficients = as.list(fixef(m)), std_errors = as.list(sqrt(diag(as.matrix(vcov(m))))),
       tau2 = vc$vcov[vc$grp == "group"], sigma2 = sigma(m)^2, log_likelihood = as.numeric(logLik(m)))
}
out <- list(
  lme4_version = as.character(packageVersion("lme4")),
  null_reml = fit(y ~ 1 + (1 | group), TRUE),
  null_ml = fit(y ~ 1 + (1 | group), FALSE),
  full_reml = fit(y ~ x + urban + (1 | group), TRUE)
)
write_json(out, "results.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
