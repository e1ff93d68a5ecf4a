# Timing of lme4's glmer(nAGQ = 10) on the benchmark survey written by benchmarks/glmm_agq.py (issue 20, item 5).
#
#   Rscript benchmarks/glmm_agq.R <survey.csv> <output.json>
#
# The model is the cross-level logistic model M3 of afgehaakt.models.multilevel with a random municipal intercept,
# fitted with lme4's default glmerControl (what a user would run). Wall time is elapsed time and CPU time is user
# plus system time of the process (all BLAS threads) around the glmer call only, from proc.time().
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
survey <- read.csv(args[1], colClasses = c(municipality = "character"))
formula <- turnout ~ edu_low + edu_middle + low_income + poor_health + age10 + female + stacked_disadvantage +
  edu_low:stacked_disadvantage + (1 | municipality)
before <- proc.time()
fit <- glmer(formula, data = survey, family = binomial, nAGQ = 10)
elapsed <- proc.time() - before
write_json(list(
  R_version = R.version.string, lme4_version = as.character(packageVersion("lme4")),
  wall_s = unname(elapsed[["elapsed"]]), cpu_s = unname(elapsed[["user.self"]] + elapsed[["sys.self"]]),
  fixed_effects = as.list(fixef(fit)), se = as.list(sqrt(diag(as.matrix(vcov(fit))))),
  theta = unname(getME(fit, "theta")), logLik = as.numeric(logLik(fit)),
  convergence_messages = fit@optinfo$conv$lme4$messages
), args[2], auto_unbox = TRUE, digits = NA, pretty = TRUE)
