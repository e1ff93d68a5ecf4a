# Independent reference for afgehaakt.spatial.dutilleul (base R only; run from the repository root):
#   Rscript tests/reference/dutilleul/dutilleul.R
# Dutilleul (1993, Biometrics 49: 305-314), eq. for the effective sample size with the correlation matrices
# estimated from Moran's I in equal-width distance classes (Clifford, Richardson & Hemon 1989). Unlike the Python
# code, which uses trace identities, this forms B = I - J/n and the full matrices and loops over pairs.
d <- read.csv("tests/reference/dutilleul/input.csv")
n <- nrow(d)
nclass <- 13
D <- as.matrix(dist(d[, c("xpos", "ypos")]))
h <- max(D) / nclass
cls <- matrix(0L, n, n)
for (i in 1:n) for (j in 1:n) cls[i, j] <- min(max(ceiling(D[i, j] / h), 1), nclass)
moran_by_class <- function(v) {
  z <- v - mean(v)
  s2 <- sum(z^2) / n
  sapply(1:nclass, function(k) {
    num <- 0; cnt <- 0
    for (i in 1:n) for (j in 1:n) if (i != j && cls[i, j] == k) { num <- num + z[i] * z[j]; cnt <- cnt + 1 }
    if (cnt == 0) 0 else (num / cnt) / s2
  })
}
corr_matrix <- function(I) { R <- matrix(I[cls], n, n); diag(R) <- 1; R }
Ix <- moran_by_class(d$x); Iy <- moran_by_class(d$y)
Rx <- corr_matrix(Ix); Ry <- corr_matrix(Iy)
B <- diag(n) - matrix(1 / n, n, n)
ess <- 1 + sum(diag(B %*% Rx)) * sum(diag(B %*% Ry)) / sum(diag(B %*% Rx %*% B %*% Ry))
r <- cor(d$x, d$y)
dof <- ess - 2
Fstat <- dof * r^2 / (1 - r^2)
p <- pf(Fstat, 1, dof, lower.tail = FALSE)
out <- data.frame(quantity = c("correlation", "effective_n", "f_statistic", "p_value",
                               paste0("moran_x_", 1:nclass), paste0("moran_y_", 1:nclass)),
                  value = c(r, ess, Fstat, p, Ix, Iy))
write.csv(out, "tests/reference/dutilleul/expected.csv", row.names = FALSE)
print(out, digits = 12)
