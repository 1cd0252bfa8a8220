/* flinkview.h -- the ScoreJob as Flink's REST API reports it: state, records in/out, last checkpoint. */
#ifndef CONSOLE_FLINKVIEW_H
#define CONSOLE_FLINKVIEW_H

#include <jansson.h>

/* {"job_state","job_id","job_name","records_in","records_out","last_checkpoint":{...}|null,"web_ui"}
 * of the running job (else the newest one); job_state "UNREACHABLE" when the REST API does not
 * answer, "NONE" when there is no job. Every request is bounded by timeout_ms. */
json_t *flinkview_job(const char *flink_url, long timeout_ms);

/* The same from already fetched documents (for tests): overview = GET /jobs/overview, job =
 * GET /jobs/<id> (may be NULL), checkpoints = GET /jobs/<id>/checkpoints (may be NULL). */
json_t *flinkview_build(const char *flink_url, const json_t *overview, const json_t *job, const json_t *checkpoints);

#endif
