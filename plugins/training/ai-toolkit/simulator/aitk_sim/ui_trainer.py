"""DiffusionTrainer (SDTrainer plus the optional UI SQLite protocol) and the legacy UITrainer, from
extensions_built_in/sd_trainer/DiffusionTrainer.py and UITrainer.py."""

import os

from .console import print_acc
from .trainer import SDTrainer
from .uidb import JobDB


class DiffusionTrainer(SDTrainer):
    """SDTrainer plus the optional UI SQLite protocol (DiffusionTrainer.py)."""

    require_ui = False

    def __init__(self, process_id, job, config):
        super().__init__(process_id, job, config)
        self.sqlite_db_path = self.config.get("sqlite_db_path", "./aitk_db.db")
        job_id = os.environ.get("AITK_JOB_ID", None)
        self.job_id = job_id.strip() if job_id is not None else None
        if self.require_ui:
            if not os.path.exists(self.sqlite_db_path):
                raise Exception(f"SQLite database not found at {self.sqlite_db_path}")
            print(f"Using SQLite database at {self.sqlite_db_path}")
            print(f'Job ID: "{self.job_id}"')
            if self.job_id is None:
                raise Exception("AITK_JOB_ID not set")
            self.is_ui_trainer = True
        else:
            self.is_ui_trainer = True
            if not os.path.exists(self.sqlite_db_path):
                self.is_ui_trainer = False
            else:
                print(f"Using SQLite database at {self.sqlite_db_path}")
            if self.job_id is None:
                self.is_ui_trainer = False
            else:
                print(f'Job ID: "{self.job_id}"')
        self.is_stopping = False
        self.db = JobDB(self.sqlite_db_path, self.job_id) if self.is_ui_trainer else None
        self.update_status("running", "Starting")

    # --- protocol ---
    def update_status(self, status, info=None):
        if self.is_ui_trainer:
            self.db.update_status(status, info)

    def update_db_key(self, key, value):
        if self.is_ui_trainer:
            self.db.update_key(key, value)

    def update_step(self):
        self.update_db_key("step", self.step_num)

    def status_update(self, text):
        self.update_status("running", text)

    def maybe_stop(self):
        if not self.is_ui_trainer:
            return
        if self.db.read_flag("stop"):
            self.update_status("stopped", "Job stopped")
            self.is_stopping = True
            raise Exception("Job stopped")
        if self.db.read_flag("return_to_queue"):
            self.update_status("queued", "Job queued")
            self.is_stopping = True
            raise Exception("Job returning to queue")

    def maybe_save(self):
        if not self.is_ui_trainer or not self.db.read_flag("save_now"):
            return
        self.update_db_key("save_now", 0)
        self.progress_bar.pause()
        print_acc(f"\nSaving at step {self.step_num}")
        self.save(self.step_num)
        self.progress_bar.unpause()

    def maybe_sample(self):
        if not self.is_ui_trainer or not self.db.read_flag("sample_now"):
            return
        self.update_db_key("sample_now", 0)
        self.progress_bar.pause()
        print_acc(f"\nSampling at step {self.step_num}")
        self.sample(self.step_num)
        self.progress_bar.unpause()

    # --- hooks ---
    def hook_before_model_load(self):
        if self.is_ui_trainer:
            self.maybe_stop()
            self.update_status("running", "Loading model")

    def hook_after_sd_init_before_load(self):
        if self.is_ui_trainer:
            self.maybe_stop()

    def before_dataset_load(self):
        if self.is_ui_trainer:
            self.maybe_stop()
            self.update_status("running", "Loading dataset")

    def hook_before_train_loop(self):
        super().hook_before_train_loop()
        if self.is_ui_trainer:
            self.maybe_stop()
            self.update_step()
            self.update_status("running", "Training")

    def sample_step_hook(self, img_num, total_imgs):
        if self.is_ui_trainer:
            self.maybe_stop()
            self.update_status("running", f"Generating images - {img_num + 1}/{total_imgs}")

    def end_step_hook(self):
        if self.is_ui_trainer:
            self.update_step()
            self.maybe_stop()
            self.maybe_save()
            self.maybe_sample()

    def done_hook(self):
        if self.is_ui_trainer:
            self.update_status("completed", "Training completed")

    def sample(self, step=None):
        self.maybe_stop()
        total = len([s for s in self.samples if s["prompt"] is not None])
        self.update_status("running", f"Generating images - 0/{total}")
        super().sample(step)
        self.maybe_stop()
        self.update_status("running", "Training")

    def save(self, step=None):
        self.maybe_stop()
        self.update_status("running", "Saving model")
        super().save(step)
        self.maybe_stop()
        self.update_status("running", "Training")

    def on_error(self, e):
        if not self.is_ui_trainer:
            return
        try:
            if isinstance(e, KeyboardInterrupt):
                self.is_stopping = True
                if self.progress_bar is not None:
                    # silence the bar so it is not repainted at interpreter exit
                    self.progress_bar.disable = True
                    self.progress_bar.close()
                self.update_status("stopped", "Job stopped")
            elif not self.is_stopping:
                self.update_status("error", str(e))
            self.update_db_key("step", self.last_save_step)
        except Exception as db_err:
            print(f"[AITK] Warning: failed to update DB during error handling: {db_err}")


class UITrainer(DiffusionTrainer):
    """Legacy ui_trainer: the database and AITK_JOB_ID are required."""

    require_ui = True
