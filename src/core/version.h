/* The MLflow version mlflow-c answers as (GET /version) and its own. */
#ifndef MLF_CORE_VERSION_H
#define MLF_CORE_VERSION_H

#define MLF_MLFLOW_VERSION "3.18.0"
#define MLF_VERSION "mlflow-c 0.1.0 (MLflow " MLF_MLFLOW_VERSION ")"

#endif
