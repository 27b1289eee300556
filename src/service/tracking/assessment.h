/*
 * An Assessment message read as MLflow's Assessment.from_proto reads it, for
 * createAssessment and for the assessments a startTraceV3 trace carries.
 */
#ifndef MLF_SERVICE_TRACKING_ASSESSMENT_H
#define MLF_SERVICE_TRACKING_ASSESSMENT_H

#include "service/service.h"
#include "store/store.h"

/**
 * Assessment.from_proto of p into *a (pointing into p and pool memory): feedback, expectation or issue,
 * with MLflow's INVALID_PARAMETER_VALUE for a value of none of them or an unknown source type. Returns 0 or
 * a negative code with MLflow's error in err.
 */
int mlf_tracking_assessment_from_proto(mlf_pool *pool, const Mlflow__Assessments__Assessment *p, mlf_store_assessment *a,
                                       mlf_error *err);

#endif
